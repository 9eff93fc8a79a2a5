"""A PDF of a Word report for printing, made by LibreOffice where it is installed (``soffice --headless``).

LibreOffice is not a dependency: without it :func:`to_pdf` returns None and the caller says so.  Each
conversion uses its own throw-away LibreOffice profile, so two conversions at once do not clash.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CONVERT_TIMEOUT_S = 180


def soffice() -> str | None:
    """The LibreOffice command (``soffice`` or ``libreoffice``) on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_path: str | Path, pdf_path: str | Path | None = None) -> Path | None:
    """Convert ``docx_path`` to PDF (``pdf_path``, default beside it with the suffix .pdf); None when LibreOffice
    is not installed.  A failed conversion raises :class:`RuntimeError` with LibreOffice's message."""
    exe = soffice()
    if exe is None:
        return None
    src = Path(docx_path).resolve()
    target = Path(pdf_path) if pdf_path is not None else src.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        run = subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                              "--outdir", tmp, str(src)], capture_output=True, text=True,
                             timeout=CONVERT_TIMEOUT_S, check=False)
        made = Path(tmp, src.with_suffix(".pdf").name)
        if run.returncode != 0 or not made.exists():
            raise RuntimeError(f"LibreOffice could not convert {src.name}: {run.stderr.strip() or run.stdout.strip()}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), target)
    return target
