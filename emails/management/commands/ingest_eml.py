import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emails import services
from emails.models import Mailbox
from mailflow import checks


class Command(BaseCommand):
    help = "Store raw messages from .eml files, or from standard input with '-' (for an MTA)."
    # An MTA may run it once per message: only the project's own checks (mailflow/checks.py).
    requires_system_checks = [checks.MAILFLOW]

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help=".eml files, or - for standard input")
        parser.add_argument("--mailbox", help="file the messages under this mailbox")

    def handle(self, *args, files, mailbox=None, **options):
        target = None
        if mailbox:
            try:
                target = Mailbox.objects.get(name=mailbox)
            except Mailbox.DoesNotExist:
                raise CommandError(f"no mailbox named {mailbox!r}") from None
        stored = duplicates = failed = 0
        limit = settings.MAILFLOW_MAX_MESSAGE_BYTES
        for name in files:
            if name == "-":
                raw = sys.stdin.buffer.read(limit + 1)  # never more than the limit in memory
                size = len(raw) if len(raw) <= limit else None
            else:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{name}: no such file")
                size = path.stat().st_size  # before reading it
                raw = path.read_bytes() if size <= limit else b""
            if size is None or size > limit:
                raise CommandError(
                    f"{name}: {services.message_too_large_error(size)} (MAILFLOW_MAX_MESSAGE_BYTES)"
                )
            if not raw:
                raise CommandError(f"{name}: empty message")
            try:
                email, created = services.email_ingest(
                    raw=raw, mailbox=target, actor_label="ingest_eml"
                )
            except services.MessageTooLarge as exc:
                raise CommandError(f"{name}: {exc}") from None
            if not created:
                duplicates += 1
                self.stdout.write(f"{name}: already stored as email {email.pk}")
            else:
                stored += 1
                if email.status == email.Status.FAILED:
                    failed += 1
                    self.stdout.write(
                        f"{name}: stored as email {email.pk}, unparsable: {email.error}"
                    )
                else:
                    self.stdout.write(f"{name}: stored as email {email.pk}")
        self.stdout.write(f"stored {stored}, duplicates {duplicates}, failed {failed}")
