"""Helpers the community's writers share: the text check every input goes through
(trimmed, no NUL, required or not, at most so many characters), the public-id parser
for the ids a form or a path sends, and ``_item``, which finds the post or reply a like,
a helpful mark or a report is about (a reply of another post: 404)."""

from typing import Any

from django.utils.translation import gettext as _

from mercator.community import selectors
from mercator.community.models import Post, Reply
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, ValidationFailed


def _invalid(message: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": field})


def _text(value: object, *, field: str, limit: int, required: bool = True) -> str:
    value = str(value if value is not None else "").strip()
    if "\x00" in value:
        raise _invalid(_("输入中不能包含空字符（NUL）。"), "nul_character", field)
    if required and not value:
        raise _invalid(_("请填写此项。"), f"{field}_required", field)
    if len(value) > limit:
        raise _invalid(_("最多 %(limit)d 个字。") % {"limit": limit}, f"{field}_too_long", field)
    return value


def _uuid(value: object, field: str) -> Any:
    from mercator.core.ids import parse_public_id

    parsed = parse_public_id(value)
    if parsed is None:
        raise _invalid(_("找不到该对象。"), f"{field}_unknown", field)
    return parsed


def _item(actor: Actor, post_id: object, reply_id: object) -> tuple[Post, Reply | None]:
    """A visible post, or a visible reply and its post (a reply of another post: 404)."""
    if reply_id is None:
        return selectors.post_get(actor, post_id), None
    reply = selectors.reply_get(actor, reply_id)
    if post_id is not None and str(reply.post.public_id) != str(post_id):
        raise NotFound()
    return reply.post, reply
