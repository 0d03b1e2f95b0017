"""Is this installation safe to run in production? ``mercator check --deploy`` prints
``unsafe_settings()``; ``mercator serve``, ``mercator worker`` and the WSGI application
refuse to start on ``startup_refusals()``.

Production mode: ``DEBUG`` off and not explicitly a sandbox install
(``MERCATOR_SANDBOX_PAYMENTS`` on, as ``make run`` and the tests set it). In production
mode a payment provider's webhook secret that is empty or a known default refuses the
start: anyone could sign a webhook with it and mark an order paid.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver", ""}  # noqa: S104
KNOWN_SECRET_KEYS = {"", "change-me", "changeme", "secret", "django-insecure"}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    # Refuses the start in production mode (not only reported).
    fatal: bool = False

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


def production_mode() -> bool:
    return not settings.DEBUG and not settings.MERCATOR.get("SANDBOX_PAYMENTS")


def _webhook_secrets() -> list[Problem]:
    from mercator.payments.providers import providers, weak_secret

    found = []
    for provider in providers().values():
        if weak_secret(provider.secret()):
            found.append(
                Problem(
                    f"webhook_secret:{provider.name}",
                    f"payment provider {provider.name!r}: webhook secret "
                    f"(MERCATOR[{provider.secret_setting!r}]) is empty or a known default",
                    fatal=True,
                )
            )
    return found


def unsafe_settings() -> list[Problem]:
    """Every setting that is unsafe for production, with what to do about it."""
    found: list[Problem] = []
    key = str(settings.SECRET_KEY or "")
    if key.lower() in KNOWN_SECRET_KEYS or key.startswith("django-insecure") or len(key) < 50:
        found.append(Problem("secret_key", "SECRET_KEY is empty, short or a known default"))
    found.extend(_webhook_secrets())
    if settings.MERCATOR.get("SANDBOX_PAYMENTS"):
        found.append(
            Problem(
                "sandbox_on",
                "MERCATOR_SANDBOX_PAYMENTS is on: anyone can 'pay' with the sandbox gateway",
            )
        )
    if settings.DEBUG:
        found.append(Problem("debug", "DEBUG is on"))
    base = urlsplit(str(settings.MERCATOR_BASE_URL))
    if base.scheme != "https" or (base.hostname or "") in LOCAL_HOSTS:
        found.append(
            Problem(
                "base_url",
                f"MERCATOR_BASE_URL is {settings.MERCATOR_BASE_URL!r}: links in mail need the "
                "public https address",
            )
        )
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        found.append(Problem("secure_cookies", "SECURE_COOKIES is off (cookies sent over http)"))
    if int(settings.SECURE_HSTS_SECONDS or 0) <= 0:
        found.append(Problem("hsts", "SECURE_HSTS_SECONDS is 0 (no HSTS)"))
    if not settings.SECURE_SSL_REDIRECT:
        found.append(Problem("ssl_redirect", "SECURE_SSL_REDIRECT is off"))
    return found


def startup_refusals() -> list[Problem]:
    """What stops the server from starting: in production mode, a fatal problem."""
    if not production_mode():
        return []
    return [problem for problem in unsafe_settings() if problem.fatal]


class UnsafeStart(SystemExit):
    pass


def refuse_unsafe_start() -> None:
    """Exit (status 1, reasons on stderr) when the installation may not start."""
    refusals = startup_refusals()
    if refusals:
        import sys

        print("Mercator refuses to start in production mode:", file=sys.stderr)
        for problem in refusals:
            print(f"  {problem}", file=sys.stderr)
        raise UnsafeStart(1)
