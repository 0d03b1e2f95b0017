"""Field-sales pages: commission."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
