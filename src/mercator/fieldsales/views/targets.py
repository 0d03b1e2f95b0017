"""Field-sales pages: targets."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
