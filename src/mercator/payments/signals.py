"""Signals payments sends to the apps above it (ARCHITECTURE.md: the one use of signals).

``payment_succeeded(intent=PaymentIntent, transaction=LedgerTransaction)`` is sent inside
the transaction that captured the money, once per intent, after the money is in escrow
(purpose "order"). The receiver (trading) calls one of its own services: mark the order
paid, or, when the order can no longer take the money (cancelled meanwhile), refund it.
A receiver must not raise for a business reason: the gateway would retry the webhook
forever. It may raise for a programming error, which rolls the capture back.


``receivable_paid(receivable=Receivable)`` is sent inside the repayment's transaction when
a credit receivable is repaid in full (a credit order's money has now gone through the
platform; trading may count the order as a real deal).
"""

from django.dispatch import Signal

payment_succeeded = Signal()
receivable_paid = Signal()
