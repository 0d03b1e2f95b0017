from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "mercator.companies"
    label = "companies"
    verbose_name = _("企业与成员")

    def ready(self) -> None:
        # Receivers of sign-in/sign-out: each only calls one of our services.
        from mercator.companies import signals  # noqa: F401
