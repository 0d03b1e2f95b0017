"""Logistics pages: releases."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
