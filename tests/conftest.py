import os

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.companies.roles import Role
from mercator.companies.services.tokens import token_create
from tests.factories import PASSWORD, CompanyFactory, add_member

REQUIRE_ALL = os.environ.get("MERCATOR_REQUIRE_ALL") == "1"

# Performance is measured in bench/, never asserted in tests: Hypothesis's per-example
# deadline would turn a busy CI machine into a flaky failure.
hypothesis_settings.register_profile("mercator", deadline=None)
hypothesis_settings.load_profile("mercator")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: green must mean everything ran."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if REQUIRE_ALL and skipped:
        reporter.write_line(
            f"MERCATOR_REQUIRE_ALL=1: {skipped} test(s) skipped; failing the run.", red=True
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    # Real hashing costs ~0.3 s a user; the hasher is Django's, tested upstream.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The sandbox gateway is off unless a setting turns it on; the tests pay through it.
    # (tests/payments/test_providers.py turns it off to prove it is then gone.)
    settings.MERCATOR = {
        **settings.MERCATOR,
        "SANDBOX_PAYMENTS": True,
        "SANDBOX_GATEWAY_SECRET": "sandbox-secret-for-tests-only-0123456789",
    }


@pytest.fixture
def company(db):
    return CompanyFactory()


@pytest.fixture
def other_company(db):
    return CompanyFactory()


def master_of(company) -> Membership:
    return company.memberships.get(role=Role.MASTER)


@pytest.fixture
def master(company) -> Membership:
    return master_of(company)


@pytest.fixture
def clerk(company) -> Membership:
    return add_member(company, Role.SALES)


@pytest.fixture
def actor(master):
    return actor_for_membership(master, via="api")


def bearer_client(membership: Membership, **headers: str) -> Client:
    """An API client authenticated with a fresh personal token of ``membership``."""
    _token, secret = token_create(actor=actor_for_membership(membership, via="api"), name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)


@pytest.fixture
def api(master) -> Client:
    return bearer_client(master)


@pytest.fixture
def web(master) -> Client:
    client = Client()
    assert client.login(username=master.person.email, password=PASSWORD)
    return client


class HueyQueue:
    """The configured Huey storage, emptied before and after a test; ``run()`` does what
    the consumer does: take each queued task and execute it."""

    def __init__(self) -> None:
        from huey.contrib.djhuey import HUEY

        self.huey = HUEY
        self.huey.flush()

    def pending(self) -> int:
        return self.huey.pending_count()

    def run(self) -> int:
        from unittest import mock

        ran = 0
        # djhuey closes "old" connections around each task; inside a test's transaction
        # that would close the test's own connection (a real worker has none open).
        with mock.patch("huey.contrib.djhuey.close_old_connections", lambda: None):
            while (task := self.huey.dequeue()) is not None:
                self.huey.execute(task)
                ran += 1
        return ran


@pytest.fixture
def huey_queue():
    queue = HueyQueue()
    yield queue
    queue.huey.flush()


def choose_language(client: Client, language: str) -> None:
    """Pick a language with the page's switch, as a member would: the cookie for a
    visitor, the profile too for a signed-in member (pages ignore Accept-Language)."""
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302, response.status_code
