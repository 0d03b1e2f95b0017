"""The committed catalogs are complete and compiled."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "src" / "mercator" / "locale"


def entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each message of a .po file written by makemessages."""
    result = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block
        msgid, msgstr, current = [], [], None
        for line in block.splitlines():
            if line.startswith("msgid "):
                current = msgid
                line = line[6:]
            elif line.startswith(("msgstr ", "msgstr[0] ")):
                current = msgstr
                line = line.split(" ", 1)[1]
            elif line.startswith(("msgid_plural", "msgstr[", "#")):
                current = None
                continue
            if current is not None and line.startswith('"'):
                current.append(line[1:-1])
        if msgid:
            result.append(("".join(msgid), "".join(msgstr), fuzzy))
    return [e for e in result if e[0]]


@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_catalog_complete(lang):
    messages = entries(LOCALE / lang / "LC_MESSAGES" / "django.po")
    assert len(messages) > 50
    missing = [msgid for msgid, msgstr, fuzzy in messages if not msgstr or fuzzy]
    assert missing == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext not installed")
@pytest.mark.parametrize("lang", ["en", "zh_Hans"])
def test_compiled_catalog_is_current(lang, tmp_path):
    folder = LOCALE / lang / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(folder / "django.po")], check=True)
    assert fresh.read_bytes() == (folder / "django.mo").read_bytes(), "run `make messages`"


def test_english_is_served():
    with translation.override("en"):
        assert translation.gettext("登录") == "Sign in"
    with translation.override("zh-hans"):
        assert translation.gettext("登录") == "登录"
