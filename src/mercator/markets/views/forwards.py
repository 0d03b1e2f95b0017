"""Pages of forwards."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
