from django.urls import URLPattern

from mercator.membership.views import urlpatterns as _views

urlpatterns: list[URLPattern] = [*_views]
