from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from mercator.companies.selectors.members import role_name
from mercator.core.selectors import audit_entries_visible_to


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's desk; for roles that may see it, the company's latest activity."""
    actor = request.actor
    context: dict[str, Any] = {}
    if actor.company is not None:
        context["role_name"] = role_name(actor.company, actor.role)
        if actor.can("audit.view"):
            context["activity"] = audit_entries_visible_to(actor)[:10]
    return render(request, "companies/home.html", context)


urlpatterns: list[URLPattern] = [path("", home, name="home")]
