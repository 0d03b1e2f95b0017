from django.urls import URLPattern, path

from mercator.insights.views import dashboards
from mercator.insights.views.home import home

urlpatterns: list[URLPattern] = [path("", home, name="home"), *dashboards.urlpatterns]
