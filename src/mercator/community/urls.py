from mercator.community.views import urlpatterns

__all__ = ["urlpatterns"]
