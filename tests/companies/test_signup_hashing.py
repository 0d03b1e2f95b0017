"""Passwords are hashed before the write transaction, never inside it: on SQLite a write
transaction holds the database's one write lock, and a real hash takes a good part of a
second, so four sign-ups at once used to make every other writer wait (or fail with
"database is locked"). The hasher below is Django's MD5 hasher that also notes how many
transactions were open on the default connection when it ran."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client

from mercator.companies.models import Company, Membership
from mercator.core.models import User
from tests.companies.test_registration import register_data

pytestmark = pytest.mark.django_db

DEPTHS: list[int] = []


class DepthRecordingHasher(MD5PasswordHasher):
    algorithm = "md5_depth"

    def encode(self, password: str, salt: str) -> str:
        DEPTHS.append(len(connection.atomic_blocks))
        return super().encode(password, salt).replace("md5$", "md5_depth$", 1)


@pytest.fixture
def recorded(settings) -> list[int]:
    settings.PASSWORD_HASHERS = ["tests.companies.test_signup_hashing.DepthRecordingHasher"]
    DEPTHS.clear()
    return DEPTHS


def test_sign_up_hashes_the_password_outside_the_write_transaction(client, recorded):
    outside = len(connection.atomic_blocks)  # the test's own transaction, if any
    response = client.post("/register/", register_data())
    assert response.status_code == 302
    assert recorded == [outside]
    person = User.objects.get(email="wei@example.com")
    assert person.check_password("a-strong-passphrase-2026")
    assert Membership.objects.filter(person=person, company__short_name="测试木业").exists()


def test_invited_newcomer_password_hashed_outside_the_write_transaction(api, company, recorded):
    created = api.post("/api/v1/invitations", {"role": "sales"}, "application/json").json()
    path = created["link"].split("127.0.0.1:8000", 1)[-1]
    outside = len(connection.atomic_blocks)
    recorded.clear()
    response = Client().post(
        path,
        {
            "person-display_name": "小王",
            "person-email": "xiaowang@example.com",
            "person-password": "another-strong-pass-9",
        },
    )
    assert response.status_code == 302
    assert recorded == [outside]
    assert Membership.objects.get(person__email="xiaowang@example.com").company == company


def test_a_refused_sign_up_writes_nothing(client, recorded, master):
    response = client.post("/register/", register_data(**{"person-email": master.person.email}))
    assert response.status_code == 409
    assert Company.objects.count() == 1 and User.objects.count() == 1
