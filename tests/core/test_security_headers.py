"""Content-Security-Policy on every page, no caching of what a signed-in person sees, and
templates that need no inline script or style (which the policy would block)."""

import re
from pathlib import Path

import pytest

from mercator.core.security import DEFAULT_POLICY
from tests.conftest import bearer_client

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "mercator" / "templates"


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/login/", "/", "/password-reset/", "/nowhere/"])
def test_strict_policy_on_pages(client, db, path):
    found = directives(client.get(path))
    assert found["default-src"] == "default-src 'self'"
    assert found["script-src"] == "script-src 'self'"
    assert found["style-src"] == "style-src 'self'"
    assert found["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in DEFAULT_POLICY and "unsafe-eval" not in DEFAULT_POLICY


def test_policy_on_api_and_docs(client, db):
    assert "default-src 'self'" in client.get("/api/v1/openapi.json")["Content-Security-Policy"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "default-src 'self'" in docs["Content-Security-Policy"]


def test_signed_in_pages_not_stored(web):
    for path in ["/", "/account/security/", "/tokens/"]:
        response = web.get(path)
        assert response.status_code == 200, path
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, path
        assert "public" not in cache_control


def test_signed_in_api_not_stored(master):
    response = bearer_client(master).get("/api/v1/me")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_anonymous_page_not_marked_private(client, db):
    response = client.get("/")
    assert "private" not in response.get("Cache-Control", "")


def test_static_files_stay_cacheable(web):
    response = web.get("/static/mercator/mercator.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "script"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "style element"),
    (re.compile(r"hx-on", re.I), "hx-on (needs eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_inline_script_or_style():
    """E-mails are not pages (no policy applies to them)."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        if "emails" in template.parts:
            continue
        text = template.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                offenders.append(f"{template.relative_to(TEMPLATES)}: {what}")
    assert offenders == []
