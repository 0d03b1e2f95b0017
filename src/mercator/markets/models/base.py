"""What every market shares: number formats and the life of a deposit."""

from django.db import models
from django.utils.translation import gettext_lazy as _

AMOUNT = {"max_digits": 20, "decimal_places": 2}
PRICE = {"max_digits": 20, "decimal_places": 4}
QTY = {"max_digits": 20, "decimal_places": 4}


class DepositStatus(models.TextChoices):
    """A deposit or margin (保证金) held in payments' ledger under "deposit:<public id>"
    of the row that carries it (a participant, a commitment, a contract's side)."""

    NONE = "none", _("无需保证金")
    HELD = "held", _("冻结中")
    RELEASED = "released", _("已退还")
    APPLIED = "applied", _("已抵扣货款")
    FORFEITED = "forfeited", _("已罚没")
