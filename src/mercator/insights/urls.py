from django.urls import URLPattern, path

from mercator.insights.views import home

urlpatterns: list[URLPattern] = [path("", home, name="home")]
