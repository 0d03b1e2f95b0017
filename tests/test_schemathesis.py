"""The whole API against its own OpenAPI document, fuzzed by schemathesis with all of its
checks, as the master of a seeded company with a real token: valid input is accepted (or
refused with a documented code that valid input may meet: 401, 403, 404, 409, 429),
invalid input is refused, and every status, header and body is the one the document
declares. Examples are derandomized, so a run is repeatable, and bounded per operation
(``MERCATOR_SCHEMATHESIS_EXAMPLES``, default 5) so the run takes a few minutes.

``REFUSES_VALID`` lists operations whose refusals of schema-valid input come from facts
a JSON schema cannot state (a date relative to now or to another field, a checksum, the
state of the data); for those alone the positive-data check is left out, and each says
why. ``ACCEPTS_LAX`` does the same for the negative-data check. Every other check runs on
every operation."""

import os
from collections.abc import Callable

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.conftest import bearer_client
from tests.factories import CompanyFactory

# Once per `make test`, in the PostgreSQL suite (scripts/test.sh), where it also meets
# what only PostgreSQL refuses (a NUL in text).
pytestmark = pytest.mark.contract

EXAMPLES = int(os.environ.get("MERCATOR_SCHEMATHESIS_EXAMPLES", "5"))

REFUSES_VALID: dict[str, str] = {
    "POST /api/v1/auth/register": "password strength is judged by Django's validators",
    "POST /api/v1/auth/invitations/accept": "display_name is needed only to sign up",
    "POST /api/v1/tokens": "expires_at must lie in the future",
    "POST /api/v1/invitations": "the role must be one the company has (its own roles)",
    "PATCH /api/v1/members/{membership_id}": "the role must be one the company has",
    "POST /api/v1/customers": "owner and counterpart must name a colleague, a company",
    "PATCH /api/v1/customers/{customer_id}": "owner and counterpart must name existing ones",
    "GET /api/v1/reports/members": "the period runs start..end, at most 366 days",
    "POST /api/v1/notifications/read": "either ids or all, not both",
    "POST /api/v1/approval-rules": "approvers must be active colleagues; threshold per condition",
    "PATCH /api/v1/approval-rules/{rule_id}": "threshold and approvers as for a new rule",
    "POST /api/v1/approval-rules/evaluate": "the currency must be one the platform keeps",
    "POST /api/v1/companies/{company_id}/verification": "credit code and tax no. checksums",
    "POST /api/v1/payments/wallet/withdraw": "the currency must be one the platform keeps",
    "POST /api/v1/payments/payouts": "the currency must be one the platform keeps",
    "GET /api/v1/payments/receivables": "status must be one of the receivable's states",
    "POST /api/v1/catalog/products": "the category must exist in the market",
    "POST /api/v1/catalog/imports": "the file must be an Excel workbook",
    "POST /api/v1/prices/quote": "listing or sku, and a positive quantity, one of two",
    "GET /api/v1/delivery-quote": "provinces must be real ones, the quantity a positive "
    "decimal, the unit one the catalog knows",
    "POST /api/v1/pricing/lists": "valid_until after valid_from",
    "POST /api/v1/orders/{order_id}/cancel": "the shared ReasonIn: cancel needs a reason",
    "POST /api/v1/orders/{order_id}/dispute": "the shared ReasonIn: dispute needs a reason",
    "POST /api/v1/invoices/period": "a real calendar period, end after start",
    "POST /api/v1/auctions": "sku/category name real ones; prices are decimal text; ends_at "
    "lies in the future",
    "POST /api/v1/orders/{order_id}/reorder": "expected_total is decimal text; the mode is "
    "cart or place",
    "POST /api/v1/fieldsales/markets/import": "the market must be one of the operator's, the "
    "file an Excel workbook",
    "POST /api/v1/fieldsales/targets/assign": "targets and rep must name real ones",
    "GET /api/v1/fieldsales/rates": "a real date range, end after start; market and rep real "
    "ones the caller sees",
    "GET /api/v1/fieldsales/rates/{step}/companies": "the step is one of the funnel's; dates "
    "and filters as for the rates",
    "GET /api/v1/fieldsales/guns": "dates and filters as for the rates",
    "GET /api/v1/fieldsales/statements": "month is YYYY-MM; status one of the statement's; rep "
    "a real one",
    "GET /api/v1/insights/boss": "a real date range, end after start, at most ten years",
}

# Operations whose examples each need a company of their own: what one example creates
# is unique within the company, so a second example with the same generated value would
# meet it (a refusal valid input may meet, but not one the document can state).
FRESH_EACH_EXAMPLE: dict[str, str] = {
    "POST /api/v1/roles": "a role's code is unique within the company",
    "POST /api/v1/pricing/freight": "one freight lane per origin and province",
}

ACCEPTS_LAX: dict[str, str] = {
    "PUT /api/v1/pricing/terms": "a JSON array body is read as an empty object",
}

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The API refuses NUL in any text with 422 nul_character (PostgreSQL cannot store it), a
# rule the document states in prose only; so valid input carries no NUL.
schema.config.generation.update(allow_x00=False)


@pytest.fixture
def keep_test_connection():
    """Requests reach the WSGI app directly, not through Django's test client, so do what
    the client does: keep the end of a request from closing the test's connection (on
    PostgreSQL it would drop the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db) -> Callable[[bool], str]:
    """The bearer header of a seeded company's master, shared by an operation's examples
    (they run in its one test transaction either way, and seeding a company is most of
    an example's cost); ``fresh`` seeds another one (``FRESH_EACH_EXAMPLE``)."""
    made: list[str] = []

    def authorization(fresh: bool) -> str:
        if fresh or not made:
            company = CompanyFactory()
            made[:] = [bearer_client(company.memberships.get()).defaults["HTTP_AUTHORIZATION"]]
        return made[0]

    return authorization


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_document(case, seeded, keep_test_connection):
    authorization = seeded(f"{case.method.upper()} {case.path}" in FRESH_EACH_EXAMPLE)
    operation = f"{case.method.upper()} {case.path}"
    excluded = []
    if operation in REFUSES_VALID:
        excluded.append(positive_data_acceptance)
    if operation in ACCEPTS_LAX:
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers={"Authorization": authorization}, excluded_checks=excluded)


def test_exceptions_name_real_operations():
    """An allowance for an operation that no longer exists is stale: remove it."""
    operations = [result.ok() for result in schema.get_all_operations()]
    known = {f"{op.method.upper()} {op.path}" for op in operations}
    assert set(REFUSES_VALID) - known == set()
    assert set(ACCEPTS_LAX) - known == set()
    assert set(FRESH_EACH_EXAMPLE) - known == set()
