from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldsalesConfig(AppConfig):
    """Field sales (地推, DOMAIN.md §2): target markets and the companies in them, field
    reps of the platform or of partners, visits and key persons (关键人), accounts opened
    for targets, the four rates with the reasons against, the three guns (how each
    customer's orders are really placed) and the reps' lifetime profit share. Above
    trading: it reads orders and members and pays commission through payments' ledger.
    Nothing below imports it."""

    name = "mercator.fieldsales"
    label = "fieldsales"
    verbose_name = _("地推")
