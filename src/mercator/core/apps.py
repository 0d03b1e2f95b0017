from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mercator.core"
    label = "core"
    verbose_name = _("核心")


class MercatorAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with our site (its sign-in under the platform throttle)."""

    default = False
    default_site = "mercator.core.admin_site.MercatorAdminSite"
