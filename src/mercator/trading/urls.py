from django.urls import URLPattern

from mercator.trading.views import urlpatterns as trading_pages

urlpatterns: list[URLPattern] = [*trading_pages]
