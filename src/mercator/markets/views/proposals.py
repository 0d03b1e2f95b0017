"""Pages of proposals."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
