import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from mercator.core import throttle, twofactor
from mercator.core.errors import DomainError
from mercator.core.forms import AdminLoginForm, LoginForm, TotpCodeForm
from mercator.core.language import supported
from mercator.core.selectors import health_status, user_for_sign_in
from mercator.core.services import person_language_set
from mercator.core.unavailable import database_writable


class LoginView(auth_views.LoginView):
    """Sign-in; a wrong password answers 400 and a throttled account or address 429.

    A person with two-factor on is not signed in by the password: the session keeps only
    a pending state (``twofactor_pending_start``) and the browser goes to the code step."""

    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if twofactor.totp_enabled(user):
            twofactor_pending_start(self.request, user, self.get_success_url())
            return redirect("login-code")
        return super().form_valid(form)

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if form.throttled else 400
        return response


class AdminLoginView(LoginView):
    """The admin's sign-in: the same throttle and the same second step as the web one
    (``mercator.core.admin_site.MercatorAdminSite.login`` serves it)."""

    form_class = AdminLoginForm
    template_name = "admin/login.html"
    redirect_authenticated_user = False


PENDING_KEY = "mercator_2fa_pending"


def twofactor_pending_start(request: HttpRequest, user: Any, next_url: str) -> None:
    """Password right, code still to come: a new session key that holds only who and
    until when. Nothing is signed in, so no other page opens meanwhile."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "until": time.time() + settings.MERCATOR["TWO_FACTOR_PENDING_SECONDS"],
    }


def _pending(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    state = request.session.get(PENDING_KEY)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        request.session.pop(PENDING_KEY, None)
        return None
    user = user_for_sign_in(state.get("user"))
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, state


@never_cache
@sensitive_post_parameters("code")
def login_code(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: the authenticator's code (or a recovery code), under the
    same throttle as the password."""
    found = _pending(request)
    if found is None:
        messages.info(request, _("请重新登录。"))
        return redirect("login")
    user, state = found
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        ip = request.META.get("REMOTE_ADDR")
        if throttle.login_blocked(user.email, ip):
            status = 429
            form.add_error(
                None,
                _("登录失败次数过多，请 %(minutes)d 分钟后再试。")
                % {"minutes": throttle.login_block_minutes()},
            )
        elif form.is_valid() and twofactor.totp_verify(user, form.cleaned_data["code"]):
            throttle.login_succeeded(user.email)
            request.session.pop(PENDING_KEY, None)
            auth_login(request, user, backend=state["backend"])
            return redirect(state["next"] or settings.LOGIN_REDIRECT_URL)
        else:
            throttle.login_failed(user.email, ip)
            form.add_error("code", _("验证码不正确或已过期。"))
    return render(request, "core/login_code.html", {"form": form}, status=status)


# What /healthz may tell anyone who asks: no host name, no process id.
WORKER_FIELDS = ("ok", "last_heartbeat", "age_seconds", "storage")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, for browsers and tools that ask there rather than read base.html's
    <link rel="icon">: the static icon (hashed name once collected)."""
    return redirect(static("mercator/favicon.ico"))


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and people: the database (reachable and writable) and
    the background worker. A database that cannot be written (read-only file or
    filesystem, disk full, standby) is unhealthy: 503, as its writes would be."""
    status = health_status()
    if status["database"]["ok"]:
        status["database"].update(database_writable())
        status["ok"] = status["ok"] and status["database"]["writable"]
    worker = status.get("worker") or {}
    status["worker"] = {key: worker[key] for key in WORKER_FIELDS if key in worker}
    return JsonResponse(status, status=200 if status["ok"] else 503)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A service's refusal as a page, with its status (404 for what the actor may not see)."""
    return render(request, "error.html", {"error": error}, status=error.status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie and redirect), and for a signed-in member his
    profile too, so the choice follows him to other devices."""
    response = i18n_views.set_language(request)
    language = supported(request.POST.get("language"))
    if request.method == "POST" and language and request.user.is_authenticated:
        person_language_set(user=request.user, language=language)
    return response
