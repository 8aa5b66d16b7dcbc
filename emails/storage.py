"""Safe file names for what senders attach."""

import mimetypes
import unicodedata
import uuid
from pathlib import PurePosixPath

from django.utils import timezone
from django.utils.text import get_valid_filename

MAX_NAME = 100


def safe_filename(name: str, content_type: str = "") -> str:
    """ASCII, no path, no leading dot, at most MAX_NAME characters, extension kept."""
    # Senders' names may carry a path ("..\\..\\x.pdf", "/etc/passwd"): keep the last part.
    base = PurePosixPath(name.replace("\\", "/")).name
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    try:
        cleaned = get_valid_filename(ascii_name).lstrip(".")
    except Exception:  # get_valid_filename raises SuspiciousFileOperation on "", ".", ".."
        cleaned = ""
    if not cleaned:
        ext = mimetypes.guess_extension(content_type or "") or ".bin"
        cleaned = f"attachment{ext}"
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            cleaned = f"{stem[: MAX_NAME - len(ext) - 1]}.{ext}"
        else:
            cleaned = cleaned[:MAX_NAME]
    return cleaned


def attachment_path(name: str, content_type: str = "") -> str:
    """A storage path no other attachment can have: a random folder per file."""
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}/{safe_filename(name, content_type)}"
