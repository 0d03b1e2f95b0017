from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    """The logistics flow (物流, DOMAIN.md §8): warehouses and cold stores, the lots
    depositors keep there, warehouse receipts (仓单) and their registry, storage fees as
    a business choice, transport lanes by mode and shipments. Above trading: a lot sells
    through a catalog listing and leaves the warehouse against a release when trading
    says its order is paid; fees move through payments' ledger. Nothing below imports
    it."""

    name = "mercator.logistics"
    label = "logistics"
    verbose_name = _("仓储物流")

    def ready(self) -> None:
        from mercator.logistics.panels import register_panels
        from mercator.logistics.receivers import connect_receivers
        from mercator.logistics.references import register_references

        register_references()
        connect_receivers()
        register_panels()
