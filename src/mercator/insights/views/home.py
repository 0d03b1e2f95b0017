"""The workbench (home page): the counters of the member's roles, his company's
verification status, the boss's overview and the activity feed in sentences."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mercator.community.selectors import home_feed
from mercator.companies.selectors.members import role_name
from mercator.core.selectors import audit_entries_visible_to
from mercator.insights import selectors
from mercator.insights.activity import describe_entries
from mercator.insights.charts import overview_charts

FEED_SIZE = 12


def home(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    context: dict[str, Any] = {}
    if actor.is_authenticated:
        context["counters"] = selectors.workbench_for(actor)
        # The community's newest (one statement): news and posts of his boards/markets.
        context["community_feed"] = home_feed(actor)
    if actor.is_authenticated and actor.company is not None:
        context["role_name"] = role_name(actor.company, actor.role)
        context["verification"] = selectors.verification_status(actor)
        if selectors.is_boss(actor):
            overview = selectors.company_overview(actor)
            context["overview"] = overview
            context["charts"] = overview_charts(overview)
            context["can_report"] = actor.can("reports.view")
        if actor.can("audit.view"):
            context["activity"] = describe_entries(
                actor, audit_entries_visible_to(actor)[:FEED_SIZE]
            )
    return render(request, "insights/home.html", context)
