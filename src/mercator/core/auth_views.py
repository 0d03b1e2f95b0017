"""Password reset by e-mail and the two-factor settings of one's own account."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from mercator.core import tasks, throttle, twofactor
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.forms import (
    NewPasswordForm,
    PasswordResetRequestForm,
    TotpCodeForm,
    TotpDisableForm,
    add_domain_error,
)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. Known or unknown address, the answer is the same page; too
    many requests for one address or from one client answer 429 and send nothing."""
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            if throttle.reset_allowed(email, request.META.get("REMOTE_ADDR")):
                transaction.on_commit(lambda: tasks.send_password_reset_email(email))
                return redirect("password-reset-sent")
            status = 429
            form.add_error(None, _("重设密码的请求过多，请稍后再试。"))
    return render(request, "core/password_reset.html", {"form": form}, status=status)


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    return render(request, "core/password_reset_sent.html", {"minutes": minutes})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's link check (the token moves from the URL into the session before the
    form shows, so it does not leak through the Referer) with our form and pages."""

    form_class = NewPasswordForm
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "core/password_reset_complete.html")


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    if isinstance(actor, Actor) and actor.is_authenticated:
        return actor
    return Actor(person=request.user, via="web", ip=request.META.get("REMOTE_ADDR"))


@login_required
@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def account_security(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in for one's own account: turn it on (secret, then a first code),
    get new recovery codes, turn it off (password and a code)."""
    person = request.user
    actor = _actor(request)
    action = request.POST.get("action", "")
    code_form = TotpCodeForm(request.POST if action in {"confirm", "renew"} else None)
    disable_form = TotpDisableForm(
        request.POST if action == "disable" else None, auto_id="disable_%s"
    )
    recovery_codes: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        ip = request.META.get("REMOTE_ADDR")
        try:
            if action == "start":
                twofactor.totp_enrollment_start(actor=actor)
                return redirect("account-security")
            if action in {"confirm", "renew", "disable"} and throttle.login_blocked(
                person.email, ip
            ):
                status = 429
                (disable_form if action == "disable" else code_form).add_error(
                    None,
                    _("尝试次数过多，请 %(minutes)d 分钟后再试。")
                    % {"minutes": throttle.login_block_minutes()},
                )
            elif action in {"confirm", "renew"} and code_form.is_valid():
                service = (
                    twofactor.totp_enrollment_confirm
                    if action == "confirm"
                    else twofactor.totp_recovery_codes_renew
                )
                recovery_codes = service(actor=actor, code=code_form.cleaned_data["code"])
                status = 200
                code_form = TotpCodeForm()
            elif action == "disable" and disable_form.is_valid():
                twofactor.totp_disable(
                    actor=actor,
                    password=disable_form.cleaned_data["password"],
                    code=disable_form.cleaned_data["code"],
                )
                messages.success(request, _("两步验证已关闭。"))
                return redirect("account-security")
        except DomainError as exc:
            status = exc.status
            if exc.code in {"totp_invalid", "password_invalid"}:
                throttle.login_failed(person.email, ip)
            add_domain_error(disable_form if action == "disable" else code_form, exc)
    secret = twofactor.totp_pending_secret(person)
    context = {
        "enabled": twofactor.totp_enabled(person),
        "needs_two_factor": bool(twofactor.SENSITIVE_PERMISSIONS & set(actor.permissions)),
        "secret": secret,
        "uri": twofactor.provisioning_uri(person, secret) if secret else "",
        "recovery_codes": recovery_codes,
        "recovery_left": twofactor.recovery_codes_left(person),
        "code_form": code_form,
        "disable_form": disable_form,
    }
    return render(request, "core/account_security.html", context, status=status)


urlpatterns = [
    path("password-reset/", password_reset_request, name="password-reset"),
    path("password-reset/sent/", password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", password_reset_complete, name="password-reset-complete"),
    path("account/security/", account_security, name="account-security"),
]
