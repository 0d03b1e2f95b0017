from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Dashboards that read across apps (the workbench). Top of the dependency order:
    it may read every app's selectors; nothing imports it."""

    name = "mercator.insights"
    label = "insights"
    verbose_name = _("工作台与报表")

    def ready(self) -> None:
        from mercator.insights.fieldsales import register_sections

        register_sections()
