"""The community's writers (one package: ``posts`` for boards, posts, replies, likes,
follows, helpful marks, mentions and their notifications; ``moderation`` for bans,
rate limits, sensitive words, reports and hiding; ``base`` for the shared checks).

Posting rules, in the order they are checked:
1. signed in, with a company to write for (an operator writes market news without one);
2. not banned (403 ``banned``, the message says until when);
3. the rate limit (``COMMUNITY_POSTS_PER_HOUR`` posts and ``COMMUNITY_REPLIES_PER_HOUR``
   replies per person in the last hour; over it 429 ``rate_limited`` with
   ``details.retry_after`` in seconds, sent as the ``Retry-After`` header);
4. the text (title ≤ 120, body ≤ 5000, reply ≤ 2000 characters, no NUL);
5. the sensitive words: a text containing one is **refused** (422 ``sensitive_words``,
   ``details.words`` names them), never held: the member rewrites it at once, and the
   moderators' queue stays for what members report.

Texts are stored as typed (plain text); pages escape them. Images (≤ 4 per post, JPEG or
PNG by their bytes, ≤ 5 MB each) are written to the private storage before the
transaction and removed if it fails. Helpful marks by another company's member earn the
author's company effort points (``membership.services.points_award``, reason
``community_helpful``), once per marking company and item."""

from mercator.community.services.moderation import (
    BAN_DAYS_MAX,
    REASON_MAX,
    ban_create,
    ban_lift,
    post_hide,
    reply_hide,
    report_create,
    report_dismiss,
    require_not_banned,
    word_add,
    word_remove,
)
from mercator.community.services.posts import (
    IMAGE_MAX_BYTES,
    IMAGE_TYPES,
    MAX_IMAGES,
    MAX_MENTIONS,
    MENTION,
    board_create,
    follow_set,
    helpful_mark,
    post_create,
    post_delete,
    post_image_open,
    post_like,
    post_update,
    reply_create,
)

__all__ = [
    "BAN_DAYS_MAX",
    "IMAGE_MAX_BYTES",
    "IMAGE_TYPES",
    "MAX_IMAGES",
    "MAX_MENTIONS",
    "MENTION",
    "REASON_MAX",
    "ban_create",
    "ban_lift",
    "board_create",
    "follow_set",
    "helpful_mark",
    "post_create",
    "post_delete",
    "post_hide",
    "post_image_open",
    "post_like",
    "post_update",
    "reply_create",
    "reply_hide",
    "report_create",
    "report_dismiss",
    "require_not_banned",
    "word_add",
    "word_remove",
]
