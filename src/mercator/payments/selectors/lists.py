"""How the payments list (付款单) is searched, filtered and sorted (``core.listing``).
A payment's number is its transfer code (the one both parties and the bank statement
quote); its counterparts are the payer and the payee."""

from django.utils.translation import gettext_lazy as _

from mercator.core.listing import ListSpec, SortOption
from mercator.payments.models import PaymentIntent

INTENT_LIST = ListSpec(
    date_field="created_at",
    text_fields=("transfer_code",),
    party_fields=("payer", "payee"),
    status_field="status",
    statuses=tuple(PaymentIntent.Status.choices),
    sorts=(
        SortOption("date", "created_at", _("创建时间")),
        SortOption("amount", "amount", _("金额")),
    ),
    default_sort="-date",
)
