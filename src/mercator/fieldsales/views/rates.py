"""Field-sales pages: rates."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
