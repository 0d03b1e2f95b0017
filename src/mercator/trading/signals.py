"""Signals trading sends to the apps above it (ARCHITECTURE.md: the one use of signals).

``order_paid(order=Order)`` is sent inside the transaction that marked the order paid
(the buyer's money is in escrow, or a cash-on-delivery order's payment arrived), once
per order. ``order_cancelled(order=Order)`` is sent inside the transaction that cancelled
an order that had shipped nothing (a cancellation, an expiry, a dispute decided before
shipment). Receivers (logistics: a sale's release from the lot the goods wait in) call
one of their own services and must not raise for a business reason: the payment or the
cancellation has happened and stands."""

from django.dispatch import Signal

order_paid = Signal()
order_cancelled = Signal()
