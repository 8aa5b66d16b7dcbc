"""The trial's outgoing mail: every message becomes a file, nothing leaves the machine."""

from __future__ import annotations

import os
import re
import tempfile
from email.generator import BytesGenerator
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

# Characters kept in a file name made from a Message-ID; anything else becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def eml_filename(message_id: str) -> str:
    """ "<abc.1@ppcomp.example>" -> "abc.1@ppcomp.example.eml"."""
    name = _UNSAFE.sub("_", message_id.strip().strip("<>").strip()).lstrip(".")
    return f"{name[:200] or 'message'}.eml"


class EmlOutboxBackend(BaseEmailBackend):
    """Writes each message as <Message-ID>.eml in MAILFLOW_TRIAL_OUTBOX_DIR, ready to open
    in a mail client. (Django's file backend writes one .log per connection instead.)"""

    def __init__(self, *, directory: str | os.PathLike | None = None, fail_silently=False, **kw):
        super().__init__(fail_silently=fail_silently)
        self.directory = Path(directory or settings.MAILFLOW_TRIAL_OUTBOX_DIR)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages or []:
            try:
                self.write(message)
            except OSError:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent

    def write(self, message) -> Path:
        mime = message.message()  # sets a Message-ID when the message has none
        buffer = BytesIO()
        # Headers unfolded (Django's own flattening starts a long encoded Subject on a
        # continuation line, which some readers show with a leading space).
        BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(mime, linesep="\n")
        data = buffer.getvalue()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / eml_filename(mime["Message-ID"])
        # Written aside, then renamed: a reader never sees half a message. Owner-only (mkstemp):
        # the credentials sent for a lab account are in it.
        fd, partial = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return path
