import time
import uuid

from mercator.core.ids import new_public_id, parse_public_id, reference


def test_public_ids_are_uuid7_unique_and_time_ordered():
    ids = []
    for _ in range(50):
        ids.append(new_public_id())
        time.sleep(0.001)
    assert len(set(ids)) == 50
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids, key=lambda u: u.int)


def test_parse_public_id():
    value = new_public_id()
    assert parse_public_id(str(value)) == value
    assert parse_public_id("1") is None
    assert parse_public_id("../etc") is None
    assert parse_public_id(None) is None


def test_reference():
    value = new_public_id()
    assert reference("order", value) == f"order:{value}"
