from mercator.logistics.views import flows, receipts, releases, stock, transport, warehouses

urlpatterns = [
    *warehouses.urlpatterns,
    *stock.urlpatterns,
    *releases.urlpatterns,
    *receipts.urlpatterns,
    *transport.urlpatterns,
    *flows.urlpatterns,
]
