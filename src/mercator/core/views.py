from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mercator.core.errors import DomainError
from mercator.core.forms import LoginForm
from mercator.core.selectors import health_status


class LoginView(auth_views.LoginView):
    """Sign-in; a wrong password answers 400 and a throttled account or address 429."""

    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if form.throttled else 400
        return response


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and people: the database and the background worker."""
    status = health_status()
    return JsonResponse(status, status=200 if status["ok"] else 503)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A service's refusal as a page, with its status (404 for what the actor may not see)."""
    return render(request, "error.html", {"error": error}, status=error.status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
