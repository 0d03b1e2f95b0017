"""Pages of auctions."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
