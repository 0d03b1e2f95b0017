"""Logistics pages: warehouses."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
