from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "mercator.payments"
    label = "payments"
    verbose_name = _("支付与账务")

    def ready(self) -> None:
        from mercator.payments import tasks  # noqa: F401  (registers the periodic sweeps)
