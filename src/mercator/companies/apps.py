from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "mercator.companies"
    label = "companies"
    verbose_name = _("企业与成员")

    def ready(self) -> None:
        # Sign-in/sign-out receivers; the owned-record kinds the leaver reassignment moves.
        from mercator.companies import ownership, signals  # noqa: F401
