"""Payments pages: intents."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
