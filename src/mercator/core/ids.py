"""Opaque public ids: URLs and the API never show sequential integers.

``new_public_id`` makes a UUID version 7 (RFC 9562): 48 bits of Unix milliseconds then
random bits. It is unguessable like a UUID4, yet sorts by creation time, which keeps
B-tree inserts local on PostgreSQL.
"""

import os
import time
import uuid

from django.db import models


def new_public_id() -> uuid.UUID:
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return uuid.UUID(int=value)


def parse_public_id(value: object) -> uuid.UUID | None:
    """A UUID from user input, or None when it is not one (callers answer 404)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def reference(kind: str, public_id: uuid.UUID | str) -> str:
    """A typed reference from a lower app's document to a higher app's: "order:<id>"."""
    return f"{kind}:{public_id}"


class PublicIdModel(models.Model):
    public_id = models.UUIDField(default=new_public_id, unique=True, editable=False)

    class Meta:
        abstract = True
