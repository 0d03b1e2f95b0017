"""How trading's list pages are searched, filtered and sorted (``core.listing``).

The status a reader sees is sometimes derived from time (an unpaid prepaid order past
``expires_at`` reads as cancelled, a quote past ``valid_until`` as expired, an RFQ past
its deadline as closed, all before the sweep writes it): each list's ``status_q``
states the same rule as the model's ``effective_status`` as a query, so a tab's count
and its rows agree with the badge each row shows."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mercator.core.listing import ListSpec, SortOption
from mercator.pricing.models import PaymentTerms
from mercator.trading.models import Inquiry, Invoice, Order, Quote, Rfq


def order_expired_q() -> Q:
    """``Order.is_expired`` as a query."""
    S = Order.Status
    return Q(
        payment_terms=PaymentTerms.PREPAID,
        paid_at__isnull=True,
        expires_at__isnull=False,
        expires_at__lte=timezone.now(),
        status__in=(S.PENDING_APPROVAL, S.PLACED, S.APPROVED),
    )


def order_status_q(value: str) -> Q:
    S = Order.Status
    if value == S.CANCELLED:
        return Q(status=value) | order_expired_q()
    if value in (S.PENDING_APPROVAL, S.PLACED, S.APPROVED):
        return Q(status=value) & ~order_expired_q()
    return Q(status=value)


def quote_status_q(value: str) -> Q:
    """``Quote.effective_status``: a live quote past ``valid_until`` reads as expired."""
    S = Quote.Status
    live = (S.SENT, S.COUNTERED, S.DRAFT, S.PENDING_APPROVAL)
    past = Q(status__in=live, valid_until__lte=timezone.now())
    if value == S.EXPIRED:
        return Q(status=value) | past
    if value in live:
        return Q(status=value) & ~past
    return Q(status=value)


def rfq_status_q(value: str) -> Q:
    """``Rfq.effective_status``: an open RFQ past its deadline reads as closed."""
    S = Rfq.Status
    past = Q(status=S.OPEN, deadline__lte=timezone.now())
    if value == S.CLOSED:
        return Q(status=value) | past
    if value == S.OPEN:
        return Q(status=value) & ~past
    return Q(status=value)


ORDER_LIST = ListSpec(
    date_field="placed_at",
    text_fields=("number",),
    party_fields=("buyer", "seller"),
    status_field="status",
    statuses=tuple(Order.Status.choices),
    status_q=order_status_q,
    sorts=(
        SortOption("date", "placed_at", _("下单时间")),
        SortOption("total", "total", _("订单金额")),
        SortOption("number", "number", _("订单号")),
    ),
    default_sort="-date",
)

QUOTE_LIST = ListSpec(
    date_field="created_at",
    text_fields=("number", "rfq__title"),
    party_fields=("buyer", "seller"),
    status_field="status",
    statuses=tuple(Quote.Status.choices),
    status_q=quote_status_q,
    sorts=(
        SortOption("date", "created_at", _("创建时间")),
        SortOption("total", "total", _("总金额")),
        SortOption("valid", "valid_until", _("有效期至")),
    ),
    default_sort="-date",
)

RFQ_LIST = ListSpec(
    date_field="created_at",
    text_fields=("number", "title"),
    status_field="status",
    statuses=tuple(Rfq.Status.choices),
    status_q=rfq_status_q,
    sorts=(
        SortOption("date", "created_at", _("创建时间")),
        SortOption("deadline", "deadline", _("报价截止")),
        SortOption("title", "title", _("标题")),
    ),
    default_sort="-date",
)

INQUIRY_LIST = ListSpec(
    date_field="received_at",
    text_fields=("number", "listing__sku__product__name", "listing__sku__name"),
    party_fields=("buyer", "seller"),
    status_field="status",
    statuses=tuple(Inquiry.Status.choices),
    sorts=(SortOption("date", "received_at", _("收到时间")),),
    default_sort="-date",
)

INVOICE_LIST = ListSpec(
    date_field="issued_at",
    text_fields=("number",),
    party_fields=("buyer", "seller"),
    status_field="status",
    statuses=tuple(Invoice.Status.choices),
    sorts=(
        SortOption("date", "issued_at", _("开票日期")),
        SortOption("total", "total", _("价税合计")),
        SortOption("number", "number", _("发票号码")),
    ),
    default_sort="-date",
)
