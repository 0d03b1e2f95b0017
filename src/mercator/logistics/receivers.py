"""What logistics does when trading tells it something (trading.signals): each receiver
calls one logistics service and never raises for a business reason."""

from typing import Any

from mercator.trading.models import Order


def on_order_paid(sender: Any, *, order: Order, **_: Any) -> None:
    from mercator.logistics.services.lots import releases_for_order_paid

    releases_for_order_paid(order=order)


def on_order_cancelled(sender: Any, *, order: Order, **_: Any) -> None:
    from mercator.logistics.services.lots import releases_for_order_cancelled

    releases_for_order_cancelled(order=order)


def connect_receivers() -> None:
    from mercator.trading.signals import order_cancelled, order_paid

    order_paid.connect(on_order_paid, dispatch_uid="logistics.order_paid")
    order_cancelled.connect(on_order_cancelled, dispatch_uid="logistics.order_cancelled")
