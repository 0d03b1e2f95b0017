import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _
from whitenoise.storage import CompressedManifestStaticFilesStorage

from mercator.core.errors import ValidationFailed


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


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed ``upload_check``: its bytes, a safe name, its real type."""

    content: bytes
    name: str
    content_type: str
    extension: str


def upload_check(upload: Any, *, max_bytes: int, field: str = "file") -> CheckedUpload:
    """Read an uploaded file and accept it only if it is a JPEG, PNG or PDF (by its first
    bytes) of at most ``max_bytes``: 422 with a code otherwise (``file_too_large``,
    ``file_empty``, ``file_type``). Reads at most ``max_bytes + 1`` bytes."""
    limit_mb = max(max_bytes // (1024 * 1024), 1)
    too_large = ValidationFailed(
        _("文件不能超过 %(mb)d MB。") % {"mb": limit_mb},
        code="file_too_large",
        details={"field": field},
    )
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise too_large
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    if not content:
        raise ValidationFailed(_("文件是空的。"), code="file_empty", details={"field": field})
    kind = sniff_upload(content[:16])
    if kind is None:
        raise ValidationFailed(
            _("只能上传 JPEG、PNG 图片或 PDF 文件。"), code="file_type", details={"field": field}
        )
    name = os.path.basename(str(getattr(upload, "name", "") or "").replace("\\", "/")).strip()
    return CheckedUpload(content, name[:200] or f"file.{kind[1]}", kind[0], kind[1])


def private_save(prefix: str, upload: CheckedUpload) -> str:
    """Write a checked upload under ``prefix`` in the private storage with a random name;
    returns the stored name (the caller deletes it if its row is not written)."""
    return private_storage().save(
        f"{prefix}/{uuid.uuid4().hex}.{upload.extension}", ContentFile(upload.content)
    )
