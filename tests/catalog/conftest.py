import pytest

from mercator.catalog import services
from mercator.companies.actors import actor_for_membership, actor_for_person
from mercator.companies.models import Company
from tests.conftest import master_of
from tests.factories import UserFactory


def verify(company: Company) -> Company:
    Company.objects.filter(pk=company.pk).update(verification_status="verified")
    company.refresh_from_db()
    return company


@pytest.fixture
def operator(db):
    return actor_for_person(UserFactory(is_staff=True), via="api")


@pytest.fixture
def world(db, operator):
    """Markets sugar (better, cheaper), fruit (faster, better), timber (cheaper, more),
    lab (more, better), with categories; sugar has a child category."""
    m = {}
    for code, name, name_en, favours in (
        ("sugar", "食糖", "Sugar", ["better", "cheaper"]),
        ("fruit", "水果", "Fruit", ["faster", "better"]),
        ("timber", "木材", "Timber", ["cheaper", "more"]),
        ("lab", "实验室化学品", "Lab chemicals", ["more", "better"]),
    ):
        m[code] = services.market_create(
            actor=operator, code=code, name=name, name_en=name_en, favours=favours
        )
    c = {
        "sugar": services.category_create(
            actor=operator, market_id="sugar", code="sugar", name="食糖", name_en="Sugar"
        ),
        "apple": services.category_create(
            actor=operator, market_id="fruit", code="apple", name="苹果", name_en="Apple"
        ),
        "board": services.category_create(
            actor=operator, market_id="timber", code="board", name="板材", name_en="Boards"
        ),
        "reagent": services.category_create(
            actor=operator, market_id="lab", code="reagent", name="试剂", name_en="Reagents"
        ),
    }
    c["white-sugar"] = services.category_create(
        actor=operator,
        market_id="sugar",
        code="white-sugar",
        name="白糖",
        name_en="White sugar",
        parent_id="sugar",
    )
    return {"markets": m, "categories": c}


@pytest.fixture
def seller(company):
    return verify(company)


@pytest.fixture
def seller_actor(seller):
    return actor_for_membership(master_of(seller), via="api")


def make_listing(
    actor,
    *,
    category="white-sugar",
    name="一级白砂糖",
    name_en="Grade 1 white sugar",
    grade="国标一级",
    unit="t",
    code="WS-1",
    stock="5000",
    origin="崇左仓",
    province="广西",
    lead_days=3,
    moq="10",
):
    product = services.product_create(
        actor=actor,
        category_id=category,
        name=name,
        name_en=name_en,
        grade=grade,
        unit=unit,
        min_order_qty=moq,
    )
    sku = services.sku_create(actor=actor, product_id=product.public_id, code=code)
    listing = services.listing_create(
        actor=actor,
        sku_id=sku.public_id,
        origin=origin,
        stock=stock,
        province=province,
        lead_days=lead_days,
    )
    return listing
