from mercator.markets.views import auctions, forwards, groupbuys, proposals

urlpatterns = [
    *auctions.urlpatterns,
    *groupbuys.urlpatterns,
    *forwards.urlpatterns,
    *proposals.urlpatterns,
]
