"""Logistics pages: stock — a depositor's lots, the lot page, selling from a lot and
pick-ups (``lots``), and releases with their outbounds and fees (``lot_releases``)."""

from django.urls import URLPattern

from mercator.logistics.views import lot_releases, lots

urlpatterns: list[URLPattern] = [*lots.urlpatterns, *lot_releases.urlpatterns]
