"""Field-sales pages: pushes."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
