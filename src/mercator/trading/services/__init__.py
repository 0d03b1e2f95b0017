"""The trading writers: inquiries, RFQs and quotes (one module each)."""

from mercator.trading.services.inquiries import (
    inquiry_answer,
    inquiry_assign,
    inquiry_close,
    inquiry_create,
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
    "inquiry_answer",
    "inquiry_assign",
    "inquiry_close",
    "inquiry_create",
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
]
