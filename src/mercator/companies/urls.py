from django.urls import URLPattern

from mercator.companies.views import activity, approvals, customers, members, tokens

urlpatterns: list[URLPattern] = [
    *members.urlpatterns,
    *tokens.urlpatterns,
    *customers.urlpatterns,
    *activity.urlpatterns,
    *approvals.urlpatterns,
]
