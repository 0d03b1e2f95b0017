"""`mercator demo`: the whole demo world, each capability adding its part in order."""

from django.db import transaction

from mercator.demo.activity import build_activity
from mercator.demo.approvals import build_approvals, build_discount_quote
from mercator.demo.catalog import build_catalog
from mercator.demo.community import build_community
from mercator.demo.customers import build_customers
from mercator.demo.fieldsales import build_fieldsales
from mercator.demo.fieldsales_channels import build_fieldsales_channels
from mercator.demo.fieldsales_commission import build_commission
from mercator.demo.grade_prices import build_grade_prices
from mercator.demo.logistics import build_logistics
from mercator.demo.logistics_transport import build_logistics_transport
from mercator.demo.markets_auctions import build_auctions
from mercator.demo.markets_deals import build_markets_deals
from mercator.demo.markets_forwards import build_markets_forwards
from mercator.demo.markets_groupbuys import build_groupbuys
from mercator.demo.membership import build_membership, build_standings
from mercator.demo.orders import build_orders
from mercator.demo.pricing import build_pricing
from mercator.demo.ratings import build_ratings
from mercator.demo.referrals import build_referrals
from mercator.demo.services import build_companies
from mercator.demo.trading import build_trading
from mercator.markets.services.proposals import proposals_generate


def demo_build() -> None:
    """Build everything; running it again adds only what is missing."""
    with transaction.atomic():
        build_companies()
        build_customers()
        build_referrals()
        build_approvals()
        build_catalog()
        build_membership()
        build_pricing()
        build_trading()
        build_orders()
        build_discount_quote()
        build_activity()
        build_ratings()
        build_grade_prices()  # after build_pricing and the grades of build_membership
        build_community()
        build_standings()
        build_auctions()
        build_markets_deals()
        build_markets_forwards()  # after the catalog and the orders (the mill's wallet)
        build_groupbuys()
        build_logistics()  # after the orders and group buys (华南食品's cart and wallet)
        build_logistics_transport()  # after build_logistics() (the demo's warehouses and lots)
        build_fieldsales()  # after the catalog and pricing (the mill's sugar its buyers order)
        build_fieldsales_channels()  # after build_fieldsales(): its customers and reps
        build_commission()  # after build_fieldsales(): the months its reps' customers paid in
        proposals_generate()  # last: what the demo's real deals propose (聚)
