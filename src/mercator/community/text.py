"""Members' texts as HTML, safely: every character escaped, http(s) links made clickable
with rel="nofollow noopener", line breaks kept, search words highlighted. Nothing a
member types is ever rendered as markup; a ``javascript:`` URL is never a link (only
``http://`` and ``https://`` are recognised)."""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

LINK = re.compile(r"https?://[^\s<>\"'，。；！？、）」》]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"


def _linked(part: str) -> str:
    """Escaped text with its http(s) URLs as links (the URL escaped in both places)."""
    out: list[str] = []
    last = 0
    for match in LINK.finditer(part):
        url = match.group(0).rstrip(TRAILING)
        end = match.start() + len(url)
        out.append(escape(part[last : match.start()]))
        out.append(
            format_html('<a href="{}" rel="nofollow noopener" target="_blank">{}</a>', url, url)
        )
        last = end
    out.append(escape(part[last:]))
    return "".join(out)


def rich(value: str) -> SafeString:
    """A post's or reply's text as HTML: escaped, links, line breaks."""
    lines = str(value or "").splitlines()
    return mark_safe("<br>".join(_linked(line) for line in lines))  # noqa: S308 -- escaped above


def snippet(value: str, words: list[str], width: int = 60) -> SafeString:
    """About ``2 * width`` characters of a text around its first match, escaped, each
    word wrapped in <mark> (matched on the raw text, escaped piece by piece)."""
    text = " ".join(str(value or "").split())
    lowered = text.lower()
    first = min((lowered.find(w.lower()) for w in words if w.lower() in lowered), default=0)
    start = max(first - width, 0)
    piece = text[start : start + 2 * width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + 2 * width < len(text) else ""
    if not words:
        return mark_safe(escape(prefix + piece + suffix))  # noqa: S308 -- escaped
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out: list[str] = [escape(prefix)]
    last = 0
    for match in pattern.finditer(piece):
        out.append(escape(piece[last : match.start()]))
        out.append(format_html("<mark>{}</mark>", match.group(0)))
        last = match.end()
    out.append(escape(piece[last:]))
    out.append(escape(suffix))
    return mark_safe("".join(out))  # noqa: S308 -- every piece escaped
