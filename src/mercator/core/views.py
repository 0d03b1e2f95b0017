from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mercator.core.errors import DomainError
from mercator.core.forms import LoginForm
from mercator.core.selectors import health_status
from mercator.core.unavailable import database_writable


class LoginView(auth_views.LoginView):
    """Sign-in; a wrong password answers 400 and a throttled account or address 429."""

    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if form.throttled else 400
        return response


# What /healthz may tell anyone who asks: no host name, no process id.
WORKER_FIELDS = ("ok", "last_heartbeat", "age_seconds", "storage")


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
