"""A small Guangxi → Shandong world for the transport tests (DOMAIN.md §8): the
platform's port yard at 钦州 (run by the platform, its operator as staff), the timber
park at 临沂 run by 临沂木业, the eucalyptus trader 钦州桉木 who stores boards (m3, 0.65 t
per m3) at the port, a lender bank, an outsider, and lanes 钦州 → 临沂 by ship, truck,
rail and multimodal. The port charges 0.50 per m3 per day of storage."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from mercator.catalog.models import Category, Market, Product, Sku, Unit
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Company, Membership
from mercator.core.actor import Actor
from mercator.logistics.models import Lane, Lot, StoragePolicy, Warehouse
from mercator.logistics.services import (
    inbound_book,
    inbound_receive,
    lane_create,
    policy_set,
    warehouse_create,
)
from tests.conftest import bearer_client, master_of
from tests.factories import PASSWORD, CompanyFactory, UserFactory, add_member
from tests.payments.conftest import fund_wallet
from tests.trading.conftest import verify

TONNES_PER_M3 = Decimal("0.65")


@dataclass
class Gx:
    platform: Company
    operator: Membership
    trader: Company
    trader_boss: Membership
    linyi: Company
    linyi_boss: Membership
    bank: Company
    bank_boss: Membership
    outsider: Company
    outsider_boss: Membership
    port: Warehouse
    park: Warehouse
    sku: Sku
    lanes: dict[str, Lane]

    def actor(self, membership: Membership) -> Actor:
        return actor_for_membership(membership, via="api")

    def api(self, membership: Membership) -> Client:
        return bearer_client(membership)

    def web(self, membership: Membership) -> Client:
        client = Client()
        assert client.login(username=membership.person.email, password=PASSWORD)
        return client

    def receive(self, quantity: str = "1000", *, days_ago: int = 0) -> Lot:
        inbound = inbound_book(
            actor=self.actor(self.trader_boss),
            warehouse_id=self.port.public_id,
            sku_id=self.sku.public_id,
            quantity=quantity,
        )
        lot = inbound_receive(
            actor=self.actor(self.operator),
            inbound_id=inbound.public_id,
            quantity=quantity,
            inspection=Lot.Inspection.PASSED,
            grade="AA 级",
            location="堆场 B-2",
        )
        if days_ago:
            then = timezone.now() - timedelta(days=days_ago)
            Lot.objects.filter(pk=lot.pk).update(received_at=then, storage_from=then)
            lot.refresh_from_db()
        return lot


LANES = (
    # mode, carrier, days, price per tonne, minimum
    ("ship", "北部湾驳船", 14, 21, "120", "3000"),
    ("truck", "桂鲁干线物流", 2, 3, "280", "500"),
    ("rail", "南宁铁路局", 5, 7, "190", "2000"),
    ("multimodal", "钦州港多式联运", 8, 12, "160", "2500"),
)


def make_gx(*, demo: bool = False) -> Gx:
    """``demo``: the demo's codes and logins (warehouses ``qinzhou-port`` and
    ``linyi-timber``, SKU QZ-EU-18MM, ops@mercator.demo, boss@eucalyptus.demo) and no
    lanes, for the demo builder's test."""
    platform = verify(CompanyFactory(short_name="平台自营", is_platform=True, province="广西"))
    ops_person = UserFactory(is_staff=True, **({"email": "ops@mercator.demo"} if demo else {}))
    operator = add_member(platform, "sales", person=ops_person)
    trader = verify(
        CompanyFactory(
            short_name="钦州桉木",
            province="广西",
            **({"master": UserFactory(email="boss@eucalyptus.demo")} if demo else {}),
        )
    )
    linyi = verify(CompanyFactory(short_name="临沂木业", province="山东"))
    bank = verify(CompanyFactory(short_name="北部湾银行", province="广西"))
    outsider = verify(CompanyFactory(short_name="别家木业", province="广西"))
    fund_wallet(trader, "1000000")
    ops = actor_for_membership(operator, via="api")
    port = warehouse_create(
        actor=ops,
        operator_id=platform.public_id,
        code="qinzhou-port" if demo else f"qz-port-{platform.pk}",
        name="钦州港保税堆场",
        kind=Warehouse.Kind.PORT,
        province="广西",
        city="钦州",
        capacity="50000",
        capacity_unit=Unit.CUBIC_METRE,
    )
    park = warehouse_create(
        actor=ops,
        operator_id=linyi.public_id,
        code="linyi-timber" if demo else f"ly-timber-{linyi.pk}",
        name="临沂木材物流园",
        province="山东",
        city="临沂",
        capacity="30000",
        capacity_unit=Unit.CUBIC_METRE,
    )
    policy_set(
        actor=ops,
        warehouse_id=port.public_id,
        kind=StoragePolicy.Kind.PER_DAY,
        rate_per_day="0.5",
    )
    market, _ = Market.objects.get_or_create(
        code="timber", defaults={"name": "木材", "favours": ["cheaper"]}
    )
    category, _ = Category.objects.get_or_create(
        code="eucalyptus-board", defaults={"market": market, "name": "桉木板材"}
    )
    product = Product.objects.create(
        seller=trader, category=category, name="桉木板材", grade="AA 级", unit=Unit.CUBIC_METRE
    )
    sku = Sku.objects.create(
        product=product,
        seller=trader,
        code="QZ-EU-18MM" if demo else f"QZ-EU-18MM-{trader.pk}",
        name="1220×2440×18 mm",
        unit=Unit.CUBIC_METRE,
        attributes={} if demo else {"tonnes_per_unit": str(TONNES_PER_M3)},
    )
    lanes = {
        mode: lane_create(
            actor=ops,
            origin_province="广西",
            origin_city="钦州",
            destination_province="山东",
            destination_city="临沂",
            mode=mode,
            carrier=carrier,
            transit_days_min=lo,
            transit_days_max=hi,
            price_per_tonne=price,
            min_charge=minimum,
        )
        for mode, carrier, lo, hi, price, minimum in ([] if demo else LANES)
    }
    return Gx(
        platform=platform,
        operator=operator,
        trader=trader,
        trader_boss=master_of(trader),
        linyi=linyi,
        linyi_boss=master_of(linyi),
        bank=bank,
        bank_boss=master_of(bank),
        outsider=outsider,
        outsider_boss=master_of(outsider),
        port=port,
        park=park,
        sku=sku,
        lanes=lanes,
    )
