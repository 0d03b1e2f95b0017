"""Search in Chinese and English, filters, and ranking per market (多快好省)."""

import pytest

from mercator.catalog import selectors, services
from mercator.companies.actors import actor_for_membership
from mercator.core.errors import NotFound
from tests.catalog.conftest import make_listing, verify
from tests.conftest import master_of
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def ids(qs):
    return [listing.pk for listing in qs]


@pytest.fixture
def sugar(world, seller_actor):
    return make_listing(seller_actor)


@pytest.mark.parametrize("q", ["白砂糖", "white sugar", "sugar", "WHITE  Sugar", "一级 糖", "ws-1"])
def test_search_finds_sugar_in_chinese_and_english(sugar, q):
    assert ids(selectors.listings_public(q=q)) == [sugar.pk]


@pytest.mark.parametrize("q", ["苹果", "apple", "white apple", "红糖"])
def test_search_misses_what_is_not_there(sugar, q):
    assert ids(selectors.listings_public(q=q)) == []


def test_category_name_in_both_languages_is_searchable(sugar):
    # "食糖" is the parent category's name only.
    assert ids(selectors.listings_public(q="食糖")) == [sugar.pk]


def test_renamed_category_updates_search_text(sugar, operator):
    services.category_update(actor=operator, category_id="white-sugar", name_en="Crystal")
    assert ids(selectors.listings_public(q="crystal")) == [sugar.pk]
    assert ids(selectors.listings_public(q="white sugar")) == [sugar.pk]  # name_en still has it


def test_sku_code_change_updates_search_text(sugar, seller_actor):
    services.sku_update(actor=seller_actor, sku_id=sugar.sku.public_id, code="GX-99")
    assert ids(selectors.listings_public(q="gx-99")) == [sugar.pk]
    assert ids(selectors.listings_public(q="ws-1")) == []


def test_filters(world, seller_actor):
    first = make_listing(seller_actor)
    second = make_listing(
        seller_actor, name="二级白砂糖", grade="国标二级", code="WS-2", province="云南"
    )
    apple = make_listing(
        seller_actor,
        category="apple",
        name="红富士苹果",
        name_en="Fuji apple",
        grade="一级",
        code="AP-1",
        province="山东",
    )
    assert set(ids(selectors.listings_public(market="sugar"))) == {first.pk, second.pk}
    # The parent category includes its children.
    assert set(ids(selectors.listings_public(category="sugar"))) == {first.pk, second.pk}
    assert ids(selectors.listings_public(grade="二级")) == [second.pk]
    assert ids(selectors.listings_public(province="山东")) == [apple.pk]
    assert ids(selectors.listings_public(seller_type="self")) == []
    assert len(ids(selectors.listings_public(seller_type="third_party"))) == 3


def test_self_operated_filter(world, seller_actor):
    third = make_listing(seller_actor)
    platform = verify(CompanyFactory(is_platform=True, short_name="平台自营"))
    own = make_listing(actor_for_membership(master_of(platform), via="api"), code="P-1")
    assert ids(selectors.listings_public(seller_type="self")) == [own.pk]
    assert ids(selectors.listings_public(seller_type="third_party")) == [third.pk]


def test_unverified_sellers_and_paused_listings_are_hidden(world, seller_actor):
    shown = make_listing(seller_actor)
    newcomer = CompanyFactory()  # not verified
    hidden = make_listing(actor_for_membership(master_of(newcomer), via="api"), code="N-1")
    assert ids(selectors.listings_public()) == [shown.pk]
    services.listing_pause(actor=seller_actor, listing_id=shown.public_id)
    assert ids(selectors.listings_public()) == []
    with pytest.raises(NotFound):
        selectors.listing_get_public(hidden.public_id)
    # ... but the newcomer sees its own listing.
    own = selectors.listing_visible(
        actor_for_membership(master_of(newcomer), via="api"), hidden.public_id
    )
    assert own.pk == hidden.pk


def test_unknown_market_answers_404(world):
    with pytest.raises(NotFound):
        list(selectors.listings_public(market="nope"))


def _seller(**kwargs):
    company = verify(CompanyFactory(**kwargs))
    return actor_for_membership(master_of(company), via="api")


def test_ranking_faster_first_in_fruit(world):
    slow = make_listing(_seller(), category="apple", name="苹果", code="A1", lead_days=10)
    fast = make_listing(_seller(), category="apple", name="苹果", code="A2", lead_days=1)
    assert ids(selectors.listings_public(market="fruit")) == [fast.pk, slow.pk]


def test_ranking_better_grade_first_in_sugar(world):
    second = make_listing(_seller(), name="二级白砂糖", grade="国标二级", code="S2")
    premium = make_listing(_seller(), name="特级白砂糖", grade="特级", code="S0")
    first = make_listing(_seller(), name="一级白砂糖", grade="国标一级", code="S1")
    assert ids(selectors.listings_public(market="sugar")) == [premium.pk, first.pk, second.pk]


def test_ranking_cheaper_means_bulk_stock_first_in_timber(world):
    small = make_listing(
        _seller(), category="board", name="桉木板", code="B1", unit="m3", stock="10"
    )
    big = make_listing(
        _seller(), category="board", name="桉木板", code="B2", unit="m3", stock="900"
    )
    assert ids(selectors.listings_public(market="timber")) == [big.pk, small.pk]


def test_ranking_more_means_larger_assortment_first_in_lab(world):
    wide = _seller()
    narrow = _seller()
    lone = make_listing(narrow, category="reagent", name="乙醇", code="R1", stock="999")
    w1 = make_listing(wide, category="reagent", name="丙酮", code="R1", stock="1")
    w2 = make_listing(wide, category="reagent", name="甲醇", code="R2", stock="2")
    ranked = ids(selectors.listings_public(market="lab"))
    assert ranked[:2] == [w2.pk, w1.pk]  # assortment 2 beats 1; then more stock
    assert ranked[2] == lone.pk


def test_ranking_never_mentions_price():
    for virtue in ("more", "faster", "better", "cheaper"):
        assert not any("price" in key for key in selectors._virtue_ordering(virtue))
