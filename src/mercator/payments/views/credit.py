"""Payments pages: credit."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
