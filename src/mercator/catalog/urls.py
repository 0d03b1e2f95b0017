from django.urls import URLPattern

from mercator.catalog.views import urlpatterns as page_urls

urlpatterns: list[URLPattern] = [*page_urls]
