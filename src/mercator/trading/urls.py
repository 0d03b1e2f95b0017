from django.urls import URLPattern

from mercator.trading.views import disputes, invoices, orders, quotes, ratings, standing

urlpatterns: list[URLPattern] = [
    *quotes.urlpatterns,
    *orders.urlpatterns,
    *invoices.urlpatterns,
    *disputes.urlpatterns,
    *ratings.urlpatterns,
    *standing.urlpatterns,
]
