from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files after `collectstatic` (``mercator serve`` runs it);
    before it (tests, a fresh checkout) plain names, which WhiteNoise serves from the app
    folders."""

    def stored_name(self, name: str) -> str:
        hashed = self.hashed_files.get(self.hash_key(self.clean_name(name)))
        return hashed or name


def private_storage() -> FileSystemStorage:
    """Where uploaded evidence and documents live: under ``MERCATOR_VAR_DIR/private``,
    never served as static or media files. A view reads them back only after checking who
    asks (scoped selectors), and answers with the stored, checked content type. A
    callable, so the location follows the settings (tests point ``VAR_DIR`` elsewhere) and
    migrations do not freeze a path."""
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "private")


# The upload kinds the platform accepts, recognised by their first bytes (never by the
# name or the browser's claim): (content type, extension, magic prefixes).
UPLOAD_KINDS: tuple[tuple[str, str, tuple[bytes, ...]], ...] = (
    ("image/jpeg", "jpg", (b"\xff\xd8\xff",)),
    ("image/png", "png", (b"\x89PNG\r\n\x1a\n",)),
    ("application/pdf", "pdf", (b"%PDF-",)),
)


def sniff_upload(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted upload from its first bytes, or None."""
    for content_type, extension, prefixes in UPLOAD_KINDS:
        if any(head.startswith(prefix) for prefix in prefixes):
            return content_type, extension
    return None
