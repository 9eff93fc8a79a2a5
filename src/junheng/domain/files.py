"""What an uploaded attachment is, recognised by its content, not its name: evidence files (佐证材料) and the
proof of a task's progress are PDF, JPG, PNG or DOCX, and a renamed program must not pass as one of them."""

from __future__ import annotations

import io
import zipfile

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "jpg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
    "docx": (DOCX_MEDIA, (".docx",)),
}
"""Kind → (media type, file-name extensions)."""


def content_kind(content: bytes) -> str:
    """``pdf``, ``jpg``, ``png`` or ``docx`` by the file's first bytes (a DOCX: a ZIP holding
    ``word/document.xml``); ``""`` for anything else."""
    head = content[:8]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head.startswith(b"PK\x03\x04") and _is_docx(content):
        return "docx"
    return ""


def name_kind(name: str) -> str:
    """The kind a file name's extension claims (``""`` when none of :data:`KINDS`)."""
    low = name.lower()
    return next((k for k, (_, exts) in KINDS.items() if low.endswith(exts)), "")


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False
