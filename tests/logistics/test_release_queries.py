"""The statements of carrying out a release (bench/bench_logistics.py measures the same):
pinned at what was measured, so a change that adds a query per release shows here."""

import pytest

from mercator.logistics.services import release_execute, release_request
from tests.logistics.world import make_yantai

pytestmark = pytest.mark.django_db

# Measured 2026-12-02: a pick-up carried out with the Yantai fee charged through the
# ledger (the lot, the release, the movement, the outbound, the ledger transaction and
# its legs, the audit row, the payer rule, and the permission and scope reads before them).
RELEASE_EXECUTE_QUERIES = 36


def test_release_execute_statements(django_assert_max_num_queries):
    y = make_yantai()
    lot = y.receive("50", days_ago=10)
    release = release_request(actor=y.actor(y.grower_boss), lot_id=lot.public_id, quantity="5")
    staff = y.actor(y.store_boss)
    with django_assert_max_num_queries(RELEASE_EXECUTE_QUERIES) as captured:
        outbound = release_execute(actor=staff, release_id=release.public_id, quantity="2")
    assert outbound.fee > 0 and outbound.ledger_ref
    print("release_execute statements:", len(captured.captured_queries))
