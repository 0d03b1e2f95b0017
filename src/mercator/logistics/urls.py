from mercator.logistics.views import flows, releases, stock, transport, warehouses

urlpatterns = [
    *warehouses.urlpatterns,
    *stock.urlpatterns,
    *releases.urlpatterns,
    *transport.urlpatterns,
    *flows.urlpatterns,
]
