"""The trading writers: inquiries, RFQs and quotes (one module each)."""

from mercator.trading.services.cart import (
    cart_add,
    cart_clear,
    cart_remove,
    cart_update,
    quick_order_to_cart,
)
from mercator.trading.services.checkout import cart_pricing
from mercator.trading.services.deals import deal_record_if_real, deals_withdraw
from mercator.trading.services.inquiries import (
    inquiry_answer,
    inquiry_assign,
    inquiry_close,
    inquiry_create,
)
from mercator.trading.services.invoices import (
    invoice_issue_for_order,
    invoice_issue_for_period,
    invoice_pdf,
    invoice_reverse,
)
from mercator.trading.services.orders import order_place_from_cart, order_place_from_quote
from mercator.trading.services.orders_cancel import (
    order_approval_cancelled,
    order_approval_settle,
    order_cancel,
    order_dispute,
    order_dispute_resolve,
    order_expire_sweep,
)
from mercator.trading.services.orders_fulfil import (
    order_auto_settle_sweep,
    order_mark_paid,
    order_pay,
    order_receive,
    order_settle,
    order_ship,
    settlement_split,
)
from mercator.trading.services.quotes import (
    quote_accept,
    quote_approval_cancelled,
    quote_approval_settle,
    quote_counter,
    quote_create,
    quote_expire_sweep,
    quote_preview_lines,
    quote_reject,
    quote_send,
    quote_withdraw,
)
from mercator.trading.services.rfqs import (
    rfq_award,
    rfq_cancel,
    rfq_close_sweep,
    rfq_create,
    rfq_reassign_owner,
)

__all__ = [
    "cart_add",
    "cart_clear",
    "cart_pricing",
    "cart_remove",
    "cart_update",
    "deal_record_if_real",
    "deals_withdraw",
    "inquiry_answer",
    "inquiry_assign",
    "inquiry_close",
    "inquiry_create",
    "invoice_issue_for_order",
    "invoice_issue_for_period",
    "invoice_pdf",
    "invoice_reverse",
    "order_approval_cancelled",
    "order_approval_settle",
    "order_auto_settle_sweep",
    "order_cancel",
    "order_dispute",
    "order_dispute_resolve",
    "order_expire_sweep",
    "order_mark_paid",
    "order_pay",
    "order_place_from_cart",
    "order_place_from_quote",
    "order_receive",
    "order_settle",
    "order_ship",
    "quick_order_to_cart",
    "quote_accept",
    "quote_approval_cancelled",
    "quote_approval_settle",
    "quote_counter",
    "quote_create",
    "quote_expire_sweep",
    "quote_preview_lines",
    "quote_reject",
    "quote_send",
    "quote_withdraw",
    "rfq_award",
    "rfq_cancel",
    "rfq_close_sweep",
    "rfq_create",
    "rfq_reassign_owner",
    "settlement_split",
]
