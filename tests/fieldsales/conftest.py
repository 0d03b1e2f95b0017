import pytest

from tests.fieldsales.rates_world import RatesWorld, build_world


@pytest.fixture
def rates_world(db) -> RatesWorld:
    return build_world()
