"""Payments pages: ledger."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
