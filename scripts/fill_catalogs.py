"""Fill the translation catalogs after `make messages` (run from anywhere):

    python scripts/fill_catalogs.py

- zh_Hans: every msgstr becomes its msgid (the sources are written in Simplified Chinese).
- en: translations are written by hand in the .po; an entry still empty is reported and
  the script exits 1.
Both headers are rewritten, fuzzy flags and previous-msgid (#|) lines are dropped, then the
files are normalised with msgcat (same wrapping as makemessages) and checked with msgfmt.
Compile afterwards with `mercator manage compilemessages` (or `make messages`).
No third-party packages: the .po parser below handles what makemessages writes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "src" / "mercator" / "locale"

HEADERS = {
    "en": {
        "title": "English translation of Mercator.",
        "Language-Team": "English",
        "Language": "en",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    },
    "zh_Hans": {
        "title": "Simplified Chinese catalog of Mercator (identity: sources are in zh-hans).",
        "Language-Team": "Simplified Chinese",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    },
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"\s*$')
_FORMAT = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def unquote(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), s)


def quote(s: str) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    parts = s.split("\n")
    if len(parts) == 1:
        return f'"{s}"'
    # Multi-line: gettext style, an empty first line then one line per \n.
    chunks = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{c}"' for c in chunks)


class Entry:
    def __init__(self) -> None:
        self.comments: list[str] = []  # "#." "#:" "# " lines, kept as they are
        self.flags: list[str] = []
        self.fields: dict[str, str] = {}  # keyword -> unquoted text, in file order

    @property
    def msgid(self) -> str:
        return self.fields["msgid"]

    def render(self) -> str:
        lines = list(self.comments)
        if self.flags:
            lines.append("#, " + ", ".join(self.flags))
        lines += [f"{key} {quote(value)}" for key, value in self.fields.items()]
        return "\n".join(lines)


def parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry, last = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):  # obsolete entry: makemessages --no-obsolete drops them
                entry = None
                break
            if line.startswith("#|"):  # previous msgid of a fuzzy match: dropped with the flag
                continue
            if line.startswith("#,"):
                entry.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
            elif line.startswith("#"):
                entry.comments.append(line)
            elif m := _KEYWORD.match(line):
                last = m.group(1)
                entry.fields[last] = unquote(m.group(2))
            elif line.startswith('"') and last:
                entry.fields[last] += unquote(line.strip()[1:-1])
            else:
                raise ValueError(f"cannot parse line: {line!r}")
        if entry is not None and "msgid" in entry.fields:
            entries.append(entry)
    return entries


def set_header(entry: Entry, lang: str) -> None:
    spec = HEADERS[lang]
    old = dict(line.split(": ", 1) for line in entry.fields["msgstr"].splitlines() if ": " in line)
    pot_date = old.get("POT-Creation-Date", "")
    header = {
        "Project-Id-Version": "Mercator",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": pot_date,
        "PO-Revision-Date": old.get("PO-Revision-Date", "")
        if not old.get("PO-Revision-Date", "YEAR").startswith("YEAR")
        else pot_date,
        "Last-Translator": "Mercator team",
        "Language-Team": spec["Language-Team"],
        "Language": spec["Language"],
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": spec["Plural-Forms"],
    }
    entry.fields["msgstr"] = "".join(f"{k}: {v}\n" for k, v in header.items())
    entry.comments = [f"# {spec['title']}", "#"]
    entry.flags = [f for f in entry.flags if f != "fuzzy"]


def translate(entry: Entry, lang: str) -> bool:
    """zh_Hans: msgstr = msgid. en: False when the entry has no (non-fuzzy) translation."""
    plural = "msgid_plural" in entry.fields
    if lang != "zh_Hans":
        has_msgstr = any(v for k, v in entry.fields.items() if k.startswith("msgstr"))
        return has_msgstr and "fuzzy" not in entry.flags
    value: str | tuple[str, str] = (
        (entry.msgid, entry.fields["msgid_plural"]) if plural else entry.msgid
    )
    if plural:
        forms = list(value) if isinstance(value, tuple) else [value, value]
        for key in [k for k in entry.fields if k.startswith("msgstr")]:
            del entry.fields[key]
        n = 1 if lang == "zh_Hans" else 2
        for i in range(n):
            entry.fields[f"msgstr[{i}]"] = forms[min(i, len(forms) - 1)]
    else:
        if isinstance(value, tuple):
            value = value[0]
        entry.fields["msgstr"] = value
    entry.flags = [f for f in entry.flags if f != "fuzzy"]
    return True


def check_placeholders(entry: Entry) -> list[str]:
    want = sorted(_FORMAT.findall(entry.msgid))
    problems = []
    for key, value in entry.fields.items():
        if key.startswith("msgstr") and value and sorted(_FORMAT.findall(value)) != want:
            problems.append(f"placeholders differ in {entry.msgid!r}: {value!r}")
        if key.startswith("msgstr") and re.findall(r"</?\w+>", value) != re.findall(
            r"</?\w+>", entry.msgid
        ):
            problems.append(f"HTML tags differ in {entry.msgid!r}: {value!r}")
    return problems


def process(lang: str) -> tuple[int, list[str]]:
    path = HERE / lang / "LC_MESSAGES" / "django.po"
    entries = parse(path.read_text(encoding="utf-8"))
    missing, problems = [], []
    for entry in entries:
        if entry.msgid == "":
            set_header(entry, lang)
        elif not translate(entry, lang):
            missing.append(entry.msgid)
        else:
            problems += check_placeholders(entry)
    path.write_text("\n\n".join(e.render() for e in entries) + "\n", encoding="utf-8")
    if shutil.which("msgcat"):  # rewrap exactly as makemessages (msgmerge) does
        subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)  # noqa: S603, S607
    if shutil.which("msgfmt"):
        subprocess.run(  # noqa: S603
            ["msgfmt", "--check", "-o", "/dev/null", str(path)],  # noqa: S607
            check=True,
        )
    return sum(1 for e in entries if e.msgid) - len(missing), missing + problems


def main() -> int:
    status = 0
    for lang in HEADERS:
        done, trouble = process(lang)
        print(f"{lang}: {done} messages translated")
        for item in trouble:
            print(f"  {lang}: untranslated or suspicious: {item}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
