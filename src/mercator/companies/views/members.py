from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from mercator.companies.middleware import SESSION_COMPANY_KEY
from mercator.companies.selectors import members as selectors


@login_required
@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    """Act for another company the person belongs to."""
    seat = selectors.membership_for(request.user, request.POST.get("company"))
    if seat is not None:
        request.session[SESSION_COMPANY_KEY] = str(seat.company.public_id)
    return redirect("home")


urlpatterns: list[URLPattern] = [
    path("company/switch", switch_company, name="company-switch"),
]
