from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mercator.companies.forms import TokenForm
from mercator.companies.selectors import tokens as selectors
from mercator.companies.services import tokens as services
from mercator.core.errors import DomainError


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens: create one (its secret shown once) or revoke one."""
    form = TokenForm(request.POST or None)
    secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, secret = services.token_create(
                    actor=request.actor,
                    name=form.cleaned_data["name"],
                    expires_at=form.cleaned_data["expires_at"],
                )
                form = TokenForm()
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
        else:
            status = 400
    context = {"form": form, "secret": secret, "tokens": selectors.tokens_of(request.actor)}
    template = "companies/_tokens.html" if request.htmx else "companies/tokens.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    try:
        token = services.token_revoke(actor=request.actor, public_id=token_id)
    except DomainError as exc:
        return render(request, "error.html", {"error": exc}, status=exc.status)
    messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
    return redirect("tokens")


urlpatterns = [
    path("tokens/", tokens, name="tokens"),
    path("tokens/<str:token_id>/revoke", token_revoke, name="token-revoke"),
]
