"""TOTP (RFC 6238) by hand: the RFC's own test vectors, the ±1 step window, replay, and
the enrolment / recovery / disable services."""

import base64
import time

import pytest

from mercator.core import totp, twofactor
from mercator.core.actor import Actor
from mercator.core.errors import ValidationFailed
from mercator.core.models import AuditEntry, RecoveryCode, TotpDevice
from tests.factories import PASSWORD, UserFactory

# RFC 6238 Appendix B: seeds per algorithm, times, 8-digit codes.
SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, {"sha1": "94287082", "sha256": "46119246", "sha512": "90693936"}),
    (1111111109, {"sha1": "07081804", "sha256": "68084774", "sha512": "25091201"}),
    (1111111111, {"sha1": "14050471", "sha256": "67062674", "sha512": "99943326"}),
    (1234567890, {"sha1": "89005924", "sha256": "91819424", "sha512": "93441116"}),
    (2000000000, {"sha1": "69279037", "sha256": "90698825", "sha512": "38618901"}),
    (20000000000, {"sha1": "65353130", "sha256": "77737706", "sha512": "47863826"}),
]
RFC_SECRET = base64.b32encode(SEEDS["sha1"]).decode()  # GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ


@pytest.mark.parametrize("when,codes", VECTORS)
@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_rfc6238_vectors(when, codes, digest):
    assert totp.hotp(SEEDS[digest], totp.step_at(when), digits=8, digest=digest) == codes[digest]


@pytest.mark.parametrize("when,codes", VECTORS)
def test_six_digit_codes_are_the_vectors_last_six(when, codes):
    assert totp.code_at(RFC_SECRET, when) == codes["sha1"][-6:]
    assert totp.matching_step(RFC_SECRET, codes["sha1"][-6:], when=when) == totp.step_at(when)


def test_drift_of_one_step_accepted_two_refused():
    when = 1234567890
    step = totp.step_at(when)
    for offset, expected in [(-60, None), (-30, step - 1), (30, step + 1), (60, None)]:
        code = totp.code_at(RFC_SECRET, when + offset)
        assert totp.matching_step(RFC_SECRET, code, when=when) == expected, offset


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34", None])
def test_malformed_codes_never_match(bad):
    assert totp.matching_step(RFC_SECRET, bad, when=59) is None


def test_provisioning_uri():
    uri = totp.provisioning_uri(RFC_SECRET, account="a@example.com", issuer="Mercator")
    assert uri.startswith("otpauth://totp/Mercator%3Aa%40example.com?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=Mercator" in uri and "period=30" in uri


def _actor(user):
    return Actor(person=user, via="web")


def enrolled(user) -> tuple[str, list[str]]:
    """Turn two-factor on for ``user``; returns the secret and the recovery codes."""
    secret = twofactor.totp_enrollment_start(actor=_actor(user))
    codes = twofactor.totp_enrollment_confirm(
        actor=_actor(user), code=totp.code_at(secret, time.time())
    )
    return secret, codes


@pytest.mark.django_db
def test_enrolment_is_off_until_a_first_code_and_secret_stored_encrypted():
    user = UserFactory()
    secret = twofactor.totp_enrollment_start(actor=_actor(user))
    assert not twofactor.totp_enabled(user)
    assert twofactor.totp_pending_secret(user) == secret
    assert secret.encode() not in bytes(TotpDevice.objects.get(user=user).secret)
    with pytest.raises(ValidationFailed):
        twofactor.totp_enrollment_confirm(actor=_actor(user), code="000000")
    assert not twofactor.totp_enabled(user)
    assert not twofactor.totp_verify(user, totp.code_at(secret, time.time()))
    codes = twofactor.totp_enrollment_confirm(
        actor=_actor(user), code=totp.code_at(secret, time.time())
    )
    assert twofactor.totp_enabled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)  # only hashes are kept
    assert AuditEntry.objects.filter(action="totp.enable", person=user).count() == 1


@pytest.mark.django_db
def test_replay_within_the_step_refused_next_step_accepted():
    user = UserFactory()
    secret, _codes = enrolled(user)
    now = time.time()
    # The confirming code was the current one: it does not work a second time.
    assert not twofactor.totp_verify(user, totp.code_at(secret, now))
    # The next step (a phone clock 30 s ahead) works once, then an older one no more.
    ahead = totp.code_at(secret, now + totp.STEP_SECONDS)
    assert twofactor.totp_verify(user, ahead)
    assert not twofactor.totp_verify(user, ahead)
    assert not twofactor.totp_verify(user, totp.code_at(secret, now - totp.STEP_SECONDS))


@pytest.mark.django_db
def test_recovery_code_works_once_and_renew_replaces_them():
    user = UserFactory()
    _secret, codes = enrolled(user)
    assert twofactor.totp_verify(user, codes[0].upper())
    assert not twofactor.totp_verify(user, codes[0])
    assert twofactor.recovery_codes_left(user) == 9
    new = twofactor.totp_recovery_codes_renew(actor=_actor(user), code=codes[1])
    assert not twofactor.totp_verify(user, codes[2])
    assert twofactor.totp_verify(user, new[0])


@pytest.mark.django_db
def test_disable_needs_password_and_code():
    user = UserFactory()
    _secret, codes = enrolled(user)
    with pytest.raises(ValidationFailed):
        twofactor.totp_disable(actor=_actor(user), password="wrong", code=codes[0])
    assert twofactor.recovery_codes_left(user) == 10  # the code was not spent
    with pytest.raises(ValidationFailed):
        twofactor.totp_disable(actor=_actor(user), password=PASSWORD, code="123456")
    assert twofactor.totp_enabled(user)
    twofactor.totp_disable(actor=_actor(user), password=PASSWORD, code=codes[0])
    assert not twofactor.totp_enabled(user)
    assert not TotpDevice.objects.filter(user=user).exists()
    assert not twofactor.totp_verify(user, codes[1])


@pytest.mark.django_db
def test_secret_survives_a_key_rotation_only_with_the_fallback(settings):
    user = UserFactory()
    secret, _codes = enrolled(user)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    assert not twofactor.totp_verify(user, totp.code_at(secret, time.time() + 30))
    settings.SECRET_KEY_FALLBACKS = [old]
    assert twofactor.totp_verify(user, totp.code_at(secret, time.time() + 30))
