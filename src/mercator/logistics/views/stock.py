"""Logistics pages: stock."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
