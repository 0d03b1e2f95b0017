from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketsConfig(AppConfig):
    """Aggregation markets (聚, DOMAIN.md §5): auctions, group buys, forward contracts and
    the proposals the platform makes from its own real deals. Above trading: a market
    settles by placing orders through trading's services and holds deposits and margins
    through payments' ledger; nothing below imports it."""

    name = "mercator.markets"
    label = "markets"
    verbose_name = _("聚合交易")

    def ready(self) -> None:
        from mercator.markets.receivers import connect_receivers
        from mercator.markets.references import register_references

        register_references()
        connect_receivers()
