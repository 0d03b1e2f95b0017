"""Moderation: the limits the platform sets on writers (bans, the hourly rate limit,
the sensitive words: ``require_not_banned``, ``_rate_limit`` and ``_refuse_sensitive``,
which ``posts`` checks before every write), members' reports, and the operators' work on
them (hide and show again posts and replies, dismiss reports, ban and lift bans, keep
the list of sensitive words)."""

import math
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mercator.community import selectors
from mercator.community.models import Ban, Post, Reply, Report, SensitiveWord
from mercator.community.services.base import _invalid, _item, _text, _uuid
from mercator.core.actor import Actor
from mercator.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from mercator.core.models import User
from mercator.core.services import audit_record, validate

REASON_MAX = 300
BAN_DAYS_MAX = 3650


# ---------------------------------------------------------------- the posting rules


def require_not_banned(actor: Actor) -> None:
    """403 ``banned`` while a ban is in force, saying until when."""
    ban = selectors.active_ban(actor.person)
    if ban is None:
        return
    if ban.until is None:
        message = _("您已被永久禁止在社区发言。")
    else:
        until = formats.date_format(timezone.localtime(ban.until), "Y-m-d H:i")
        message = _("您已被禁止在社区发言，直到 %(until)s。") % {"until": until}
    raise PermissionDenied(
        message,
        code="banned",
        details={"until": ban.until.isoformat() if ban.until else None},
    )


def _rate_limit(actor: Actor, model: type[Post] | type[Reply], limit: int) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = list(
        model.objects.filter(author=actor.person, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return
    wait = max(math.ceil((recent[-1] + timedelta(hours=1) - timezone.now()).total_seconds()), 1)
    what = _("帖子") if model is Post else _("回复")
    raise RateLimited(
        _("每小时最多发 %(n)d 条%(what)s，请 %(minutes)d 分钟后再试。")
        % {"n": limit, "what": what, "minutes": math.ceil(wait / 60)},
        details={"retry_after": wait},
    )


def _refuse_sensitive(*texts: str) -> None:
    found = selectors.words_found("\n".join(texts))
    if found:
        raise ValidationFailed(
            _("内容含有敏感词：%(words)s。请修改后再发。") % {"words": "、".join(found)},
            code="sensitive_words",
            details={"words": found},
        )


# ------------------------------------------------------------------- reports


def report_create(
    *, actor: Actor, reason: str, post_id: object = None, reply_id: object = None
) -> Report:
    """Any signed-in person reports a post or a reply to the moderators, with a reason.
    His second report of the same item while the first is open is the first."""
    post, reply = _item(actor, post_id, reply_id)
    reason = _text(reason, field="reason", limit=REASON_MAX)
    open_one = Report.objects.filter(
        post=post, reply=reply, reporter=actor.person, outcome=Report.Outcome.OPEN
    ).first()
    if open_one is not None:
        return open_one
    report = Report(post=post, reply=reply, reporter=actor.person, reason=reason)
    validate(report, exclude=["post", "reply", "reporter"])
    with transaction.atomic():
        report.save()
        audit_record(
            actor=actor,
            action="community.report",
            target=post.ref,
            changes={"reply": str(reply.public_id) if reply else None, "reason": reason},
        )
    return report


# ----------------------------------------------------------------- moderation


def _close_reports(post: Post, reply: Reply | None, outcome: str) -> None:
    rows = Report.objects.filter(post=post, outcome=Report.Outcome.OPEN)
    rows = rows.filter(reply=reply) if reply is not None else rows.filter(reply__isnull=True)
    rows.update(outcome=outcome, resolved_at=timezone.now())


def post_hide(*, actor: Actor, post_id: object, hidden: bool = True, reason: str = "") -> Post:
    """An operator hides (or shows again) a post: hidden, it is gone for every reader."""
    post = selectors.post_for_moderation(actor, post_id)
    reason = _text(reason, field="reason", limit=REASON_MAX, required=False)
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(
            is_hidden=hidden, hidden_at=timezone.now() if hidden else None
        )
        if hidden:
            _close_reports(post, None, Report.Outcome.HIDDEN)
        audit_record(
            actor=actor,
            action="community.post_hide" if hidden else "community.post_unhide",
            target=post.ref,
            changes={"reason": reason},
        )
    post.is_hidden = hidden
    return post


def reply_hide(*, actor: Actor, reply_id: object, hidden: bool = True, reason: str = "") -> Reply:
    reply = selectors.reply_for_moderation(actor, reply_id)
    _text(reason, field="reason", limit=REASON_MAX, required=False)
    return _reply_hidden(
        actor,
        reply,
        hidden=hidden,
        action="community.reply_hide" if hidden else "community.reply_unhide",
    )


def _reply_hidden(actor: Actor, reply: Reply, *, hidden: bool, action: str) -> Reply:
    if reply.is_hidden == hidden:
        return reply
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(
            is_hidden=hidden, hidden_at=timezone.now() if hidden else None
        )
        counted = Post.objects.filter(pk=reply.post_id)
        if hidden:
            counted.filter(reply_count__gt=0).update(reply_count=F("reply_count") - 1)
        else:
            counted.update(reply_count=F("reply_count") + 1)
        if hidden:
            _close_reports(reply.post, reply, Report.Outcome.HIDDEN)
        audit_record(
            actor=actor,
            action=action,
            target=reply.post.ref,
            changes={"reply": str(reply.public_id)},
        )
    reply.is_hidden = hidden
    return reply


def report_dismiss(*, actor: Actor, report_id: object) -> Report:
    """An operator finds nothing wrong with a reported item: the report is closed."""
    report = selectors.report_get(actor, report_id)
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            outcome=Report.Outcome.DISMISSED, resolved_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="community.report_dismiss",
            target=report.post.ref,
            changes={"report": str(report.public_id)},
        )
    report.outcome = Report.Outcome.DISMISSED
    return report


def ban_create(*, actor: Actor, person_id: object, reason: str, days: int | None = None) -> Ban:
    """An operator bans a person from posting and replying for ``days`` days, or
    permanently (``days`` empty)."""
    selectors.require_operator(actor)
    person = User.objects.filter(public_id=_uuid(person_id, "person")).first()
    if person is None:
        raise _invalid(_("找不到该用户。"), "person_unknown", "person")
    reason = _text(reason, field="reason", limit=REASON_MAX)
    until = None
    if days is not None:
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise _invalid(_("请填写 1 到 3650 之间的天数。"), "days_invalid", "days") from None
        if not 1 <= days <= BAN_DAYS_MAX:
            raise _invalid(_("请填写 1 到 3650 之间的天数。"), "days_invalid", "days")
        until = timezone.now() + timedelta(days=days)
    ban = Ban(person=person, reason=reason, until=until, created_by=actor.person)
    validate(ban, exclude=["person", "created_by"])
    with transaction.atomic():
        ban.save()
        audit_record(
            actor=actor,
            action="community.ban",
            target=f"person:{person.public_id}",
            changes={"until": until.isoformat() if until else None, "reason": reason},
        )
    return ban


def ban_lift(*, actor: Actor, ban_id: object) -> Ban:
    ban = selectors.ban_get(actor, ban_id)
    with transaction.atomic():
        Ban.objects.filter(pk=ban.pk).update(lifted_at=timezone.now())
        audit_record(
            actor=actor, action="community.ban_lift", target=f"person:{ban.person.public_id}"
        )
    return ban


def word_add(*, actor: Actor, word: str) -> SensitiveWord:
    selectors.require_operator(actor)
    word = _text(word, field="word", limit=40)
    existing = SensitiveWord.objects.filter(word__iexact=word).first()
    if existing is not None:
        return existing
    item = SensitiveWord(word=word)
    validate(item)
    with transaction.atomic():
        item.save()
        audit_record(
            actor=actor, action="community.word_add", target=f"word:{word}", changes={"word": word}
        )
    return item


def word_remove(*, actor: Actor, word: str) -> None:
    selectors.require_operator(actor)
    word = _text(word, field="word", limit=40)
    with transaction.atomic():
        gone, _n = SensitiveWord.objects.filter(word__iexact=word).delete()
        if not gone:
            raise NotFound()
        audit_record(
            actor=actor,
            action="community.word_remove",
            target=f"word:{word}",
            changes={"word": word},
        )
