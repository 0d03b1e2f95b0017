from django.urls import URLPattern

from mercator.trading.views import quotes

urlpatterns: list[URLPattern] = [*quotes.urlpatterns]
