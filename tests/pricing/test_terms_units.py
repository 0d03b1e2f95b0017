"""Units of the payment-terms pricing (issue 9): every rate is a percent. The credit
rate used to be a fraction beside two percents, so "8.00" meant 800 % a year."""

import json
from decimal import Decimal

import pytest

from mercator.pricing.models import TermsPolicy
from tests.conftest import bearer_client, master_of
from tests.pricing.test_api import world  # noqa: F401

D = Decimal


def put(client, body):
    return client.put("/api/v1/pricing/terms", json.dumps(body), content_type="application/json")


def test_credit_rate_is_a_percent_like_its_neighbours(world):  # noqa: F811
    client = bearer_client(master_of(world["boss"].company))
    r = put(client, {"credit_annual_rate": "8.00", "prepaid_discount_percent": "1.5"})
    assert r.status_code == 200, r.content
    assert r.json()["credit_annual_rate"] == "8.0000"
    assert r.json()["prepaid_discount_percent"] == "1.500"
    policy = TermsPolicy.objects.get(seller=world["boss"].company)
    assert policy.credit_annual_rate == D("0.08")  # 8 % a year, not 800 %
    assert client.get("/api/v1/pricing/terms").json()["credit_annual_rate"] == "8.0000"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credit_annual_rate": "800"}, "credit_annual_rate"),
        ({"credit_annual_rate": "100.5"}, "credit_annual_rate"),
        ({"prepaid_discount_percent": "100"}, "prepaid_discount_percent"),
        ({"cod_surcharge_percent": "120"}, "cod_surcharge_percent"),
    ],
)
def test_out_of_range_is_a_coded_422(world, body, field):  # noqa: F811
    client = bearer_client(master_of(world["boss"].company))
    r = put(client, body)
    assert r.status_code == 422, r.content
    answer = r.json()
    # The schema states the bounds (a validation error naming the field); the service
    # checks them again for callers that do not come through the API (out_of_range).
    named = answer["details"].get("field") or " ".join(
        e["location"] for e in answer["details"].get("errors", [])
    )
    assert answer["code"] in {"out_of_range", "validation_error"} and field in named
    assert not TermsPolicy.objects.filter(seller=world["boss"].company).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"credit_annual_percent": "800"}, "credit_annual_rate"),
        ({"prepaid_discount_percent": "100"}, "prepaid_discount_percent"),
        ({"cod_surcharge_percent": "120"}, "cod_surcharge_percent"),
    ],
)
def test_the_service_bounds_the_rates_for_every_caller(world, kwargs, field):  # noqa: F811
    from mercator.companies.actors import actor_for_membership
    from mercator.core.errors import DomainError
    from mercator.pricing.services import terms_policy_set

    actor = actor_for_membership(master_of(world["boss"].company), via="web")
    with pytest.raises(DomainError) as refused:
        terms_policy_set(actor=actor, **kwargs)
    assert refused.value.code == "out_of_range"
    assert not TermsPolicy.objects.filter(seller=world["boss"].company).exists()
