"""Payments pages: sandbox."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
