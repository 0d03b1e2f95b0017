from mercator.fieldsales.views import commission, pushes, rates, targets

urlpatterns = [
    *targets.urlpatterns,
    *pushes.urlpatterns,
    *rates.urlpatterns,
    *commission.urlpatterns,
]
