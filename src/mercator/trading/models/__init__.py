"""Trading's tables: inquiries, RFQs and quotes; orders, shipments and the cart;
invoices and the real deals that feed the market price index."""

from mercator.trading.models.disputes import DisputeEvidence
from mercator.trading.models.invoices import Deal, Invoice, InvoiceLine
from mercator.trading.models.orders import (
    CartItem,
    Order,
    OrderEvent,
    OrderLine,
    Shipment,
    ShipmentLine,
)
from mercator.trading.models.quotes import (
    AMOUNT,
    PRICE,
    QTY,
    Inquiry,
    InquiryMessage,
    Quote,
    QuoteLine,
    QuoteRound,
    Rfq,
    RfqInvite,
    RfqLine,
    Side,
)
from mercator.trading.models.ratings import DIMENSIONS_BY_SIDE, Complaint, Dimension, Rating
from mercator.trading.models.standing import StandingOrder

__all__ = [
    "AMOUNT",
    "DIMENSIONS_BY_SIDE",
    "PRICE",
    "QTY",
    "CartItem",
    "Complaint",
    "Deal",
    "Dimension",
    "DisputeEvidence",
    "Inquiry",
    "InquiryMessage",
    "Invoice",
    "InvoiceLine",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Quote",
    "QuoteLine",
    "QuoteRound",
    "Rating",
    "Rfq",
    "RfqInvite",
    "RfqLine",
    "Shipment",
    "ShipmentLine",
    "Side",
    "StandingOrder",
]
