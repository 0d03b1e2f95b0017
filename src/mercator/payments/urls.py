from django.urls import URLPattern

from mercator.payments.views import bank, credit, intents, ledger, payouts, sandbox, wallet

urlpatterns: list[URLPattern] = [
    *wallet.urlpatterns,
    *intents.urlpatterns,
    *sandbox.urlpatterns,
    *ledger.urlpatterns,
    *credit.urlpatterns,
    *bank.urlpatterns,
    *payouts.urlpatterns,
]
