"""Every page of the demo world, for every demo login, in both languages.

The demo is built once for the module. Each login picks its language with the page's
switch (as a member would: it lands on his profile), then the test crawls the pages
reachable by GET links from the home page (same site; no /admin/, /api/, sign-out or
downloads; query strings ignored; at most a few pages per URL pattern and ``CAP`` per
login) and fails on:

- any 5xx;
- a raw code shown as text: an audit/event action (``order.ship``), a permission code
  (``orders.place``) or a notification kind;
- a ``<model>:<uuid>`` reference (``order:1b2c3d4e-...``);
- in English: a text that is one of the gettext catalog's msgids (a missing
  translation), or a catalog name (category, grade, unit, province...) left in Chinese;
- a money-like figure printed raw (``5149.20`` instead of ``¥5,149.20``).
"""

import re
import sys
import warnings
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from mercator.companies.roles import PERMISSIONS
from mercator.core.models import AuditEntry, User
from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD, demo_logins
from tests.conftest import choose_language

CAP = 150  # pages per login and language
PER_ROUTE = 2  # pages per URL pattern (order 1 and order 2: same template)
SKIP_PREFIXES = ("/admin/", "/api/", "/logout/", "/i18n/", "/static/", "/media/")
SKIP_SUFFIXES = (".pdf", ".xlsx", ".xls", ".csv", ".zip", ".png", ".jpg", ".svg", ".ico")
SKIP_ENDINGS = ("/pdf", "/xlsx", "/export", "/download", "/template")  # files, not pages
REFERENCE = re.compile(r"\b[a-z_]+:[0-9a-f]{8}-[0-9a-f]{4}")
CJK = re.compile(r"[\u4e00-\u9fff]")
# A money-like figure printed raw: 4+ integer digits and 2-4 decimals, no separators
# (``5149.20``); figures go through ``mercator.core.figures`` (``¥5,149.20``).
RAW_FIGURE = re.compile(r"(?<![\d,.\w])\d{4,}\.\d{2,4}(?![\d\w])")
LOGINS = sorted({row[0] for row in demo_logins()})
# Problems on pages that other parts of issue 10 are rebuilding (owner in the comment):
# reported as warnings, not failures, until they land. Remove an entry when its page is
# fixed; a page not listed here fails on any problem.
KNOWN_ELSEWHERE: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()
# The language switch names each language in itself.
ALLOWED = {"简体中文"}
assert DEMO_PASSWORD == "mercator-demo"


class Page(HTMLParser):
    """The links and the visible texts (text nodes, and the attributes a reader sees)."""

    SEEN_ATTRS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and values.get("href") and "download" not in values:
            self.links.append(values["href"] or "")
        for name in self.SEEN_ATTRS:
            if values.get(name):
                self.texts.append((values[name] or "").strip())
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append((values["value"] or "").strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def _msgids() -> set[str]:
    """The Chinese source texts of the catalog (without placeholders), less the texts
    that are also demo data (a member whose job title is 财务 shows 财务 in English)."""
    sys.path.insert(0, str(Path(settings.BASE_DIR).parent.parent / "scripts"))
    import fill_catalogs

    po = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
    found: set[str] = set()
    for entry in fill_catalogs.parse(po.read_text(encoding="utf-8")):
        for msgid in (entry.fields.get("msgid"), entry.fields.get("msgid_plural")):
            if msgid and CJK.search(msgid) and "%" not in msgid:
                found.add(" ".join(msgid.split()))
    return found - _data_texts()


def _data_texts() -> set[str]:
    """Every short text the database holds (names, titles, notes): members' data."""
    texts: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            texts.update(" ".join(str(v).split()) for v in row if v)
    return texts


def _codes() -> set[str]:
    """Codes that must never reach a page as text."""
    codes = set(PERMISSIONS)
    codes |= set(AuditEntry.objects.values_list("action", flat=True).distinct())
    try:
        from mercator.companies.models import Notification

        codes |= {
            kind
            for kind in Notification.objects.values_list("kind", flat=True).distinct()
            if "." in kind or "_" in kind
        }
    except ImportError:  # pragma: no cover
        pass
    return {code for code in codes if "." in code}


def _choice_codes() -> set[str]:
    """Stored choice values that read as codes (``awaiting_payment``): a text that is
    exactly one of them is a status or kind shown without its label."""
    found: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            for value, _label in f.flatchoices or ():
                if isinstance(value, str) and "_" in value:
                    found.add(value)
    return found


def _chinese_catalog_names() -> set[str]:
    """Catalog data that has an English name: shown in Chinese on an English page is a bug."""
    from mercator.catalog.models import Category, Listing, Market, Product
    from mercator.core.places import PROVINCES_EN

    names: set[str] = set()
    for model, field in ((Market, "name"), (Category, "name"), (Product, "grade")):
        names |= set(model.objects.exclude(**{f"{field}_en": ""}).values_list(field, flat=True))
    names |= set(Listing.objects.exclude(origin_en="").values_list("origin", flat=True))
    names |= set(PROVINCES_EN)
    # A product named like its category (桉木板材) shows its own name, in Chinese.
    return names - set(Product.objects.values_list("name", flat=True))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo world, built once; rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_build()
            yield {
                "codes": _codes(),
                "choices": _choice_codes(),
                "msgids": _msgids(),
                "names": _chinese_catalog_names(),
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _route(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.route or match.view_name or path


def _internal(href: str) -> str | None:
    """The site path a link goes to, or None to skip it."""
    href, _fragment = urldefrag(href.strip())
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if (parts.scheme or parts.netloc) and parts.netloc not in ("testserver", ""):
        return None
    path = parts.path
    if not path.startswith("/"):
        return None
    if path.startswith(SKIP_PREFIXES) or path.lower().endswith(SKIP_SUFFIXES):
        return None
    if path.rstrip("/").lower().endswith(SKIP_ENDINGS):
        return None
    return path


def _check(path: str, texts: list[str], language: str, demo: dict) -> list[str]:
    problems: list[str] = []
    text = "\n".join(texts)
    for match in REFERENCE.finditer(text):
        problems.append(f"{path}: reference shown raw: {match.group(0).split(':')[0]}:<uuid>")
    for match in RAW_FIGURE.finditer(text):
        problems.append(f"{path}: figure shown raw: {match.group(0)}")
    for code in demo["codes"]:
        if re.search(rf"(?<![\w./@-]){re.escape(code)}(?![\w/@-]|\.\w)", text):
            problems.append(f"{path}: code shown raw: {code}")
    for piece in texts:
        if piece in demo.get("choices", ()):
            problems.append(f"{path}: code shown raw: {piece}")
    if language == "en":
        for piece in texts:
            if piece in ALLOWED:
                continue
            if piece in demo["msgids"]:
                problems.append(f"{path}: untranslated text: {piece}")
            elif piece in demo["names"]:
                problems.append(f"{path}: catalog name in Chinese: {piece}")
    return problems


def _elsewhere(problem: str) -> bool:
    path, what = problem.split(": ", 1)
    return any(pattern.match(path) and what.startswith(kinds) for pattern, kinds in KNOWN_ELSEWHERE)


def crawl(client: Client, language: str, demo: dict) -> tuple[list[str], int]:
    queue = ["/"]
    seen: set[str] = {"/"}
    per_route: Counter[str] = Counter()
    problems: list[str] = []
    fetched = 0
    while queue and fetched < CAP:
        path = queue.pop(0)
        response = client.get(path, follow=False)
        fetched += 1
        if response.status_code >= 500:
            problems.append(f"{path}: HTTP {response.status_code}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = _internal(response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        page = Page()
        page.feed(response.content.decode())
        problems += _check(path, page.texts, language, demo)
        for href in page.links:
            target = _internal(href)
            if target is None or target in seen:
                continue
            seen.add(target)
            route = _route(target)
            if per_route[route] >= PER_ROUTE:
                continue
            per_route[route] += 1
            queue.append(target)
    return problems, fetched


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("email", LOGINS)
def test_every_page_for_every_demo_login(demo, email, language):
    person = User.objects.get(email=email)
    client = Client()
    client.force_login(person)
    choose_language(client, language)
    home = client.get("/")
    assert f'<html lang="{language}"' in home.content.decode()
    found, fetched = crawl(client, language, demo)
    assert fetched > 1, f"{email}: the home page links nowhere"
    problems = [p for p in found if not _elsewhere(p)]
    for pending in sorted({p for p in found if _elsewhere(p)}):
        warnings.warn(f"{email} [{language}] pending elsewhere: {pending}", stacklevel=1)
    grouped: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        grouped[problem.split(": ", 1)[1]].append(problem.split(": ", 1)[0])
    report = "\n".join(
        f"{what}  (on {len(set(paths))} page(s): {' '.join(sorted(set(paths))[:4])})"
        for what, paths in sorted(grouped.items())
    )
    assert not problems, f"{email} [{language}], {fetched} pages:\n{report}"


def test_the_checks_catch_each_kind_of_problem():
    """The crawl's checks on made-up page texts (so a green crawl means something)."""
    demo = {
        "codes": {"orders.place", "order.ship"},
        "choices": {"awaiting_payment"},
        "msgids": {"待付款"},
        "names": {"广西"},
    }
    page = Page()
    page.feed(
        "<p>orders.place</p><p>order:01a23603-672c-7e2f-8ff1-ffe68efcf407</p><p>待付款</p>"
        '<td>广西</td><a href="/orders/">x</a><script>var a="order.ship";</script>'
        "<p>boss@sugarmill.demo</p><span>awaiting_payment</span>"
        "<td>5149.20</td><td>¥5,149.20/吨</td><td>No. 2026-12</td><td>1200.5 吨</td>"
    )
    problems = _check("/x/", page.texts, "en", demo)
    assert "/x/: code shown raw: orders.place" in problems
    assert "/x/: reference shown raw: order:<uuid>" in problems
    assert "/x/: untranslated text: 待付款" in problems
    assert "/x/: catalog name in Chinese: 广西" in problems
    assert "/x/: code shown raw: awaiting_payment" in problems
    assert "/x/: figure shown raw: 5149.20" in problems
    assert not any("order.ship" in p for p in problems)  # inside a script: not shown
    # Grouped, or one decimal: not money-like.
    assert not any(n in p for p in problems for n in ("5,149.20", "2026", "1200.5"))
    assert len(problems) == 6
    zh = _check("/x/", page.texts, "zh-hans", demo)
    assert zh == [p for p in problems if "untranslated" not in p and "catalog name" not in p]
    assert page.links == ["/orders/"]
    assert _internal("/invoices/1/pdf") is None and _internal("https://example.com/") is None
    assert _internal("/api/v1/me") is None and _internal("/orders/?page=2#x") == "/orders/"
