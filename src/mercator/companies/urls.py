from django.urls import URLPattern

from mercator.companies.views import activity, approvals, customers, home, members, tokens

urlpatterns: list[URLPattern] = [
    *home.urlpatterns,
    *members.urlpatterns,
    *tokens.urlpatterns,
    *customers.urlpatterns,
    *activity.urlpatterns,
    *approvals.urlpatterns,
]
