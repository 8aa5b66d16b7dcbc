from django.core.management.base import BaseCommand, CommandError

from emails import services
from emails.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new messages from every active mailbox (or the one named)."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="collect only this mailbox (by name)")

    def handle(self, *args, mailbox=None, **options):
        try:
            results = services.mailboxes_collect(name=mailbox)
        except Mailbox.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        if not results:
            self.stdout.write("No active mailbox. Set IMAP_URL or add one in the admin.")
            return
        failures = []
        for r in results:
            if r.busy:
                self.stdout.write(f"{r.mailbox}: another collection is running; nothing done.")
                continue
            line = (
                f"{r.mailbox}: fetched {r.fetched}, stored {r.stored}, "
                f"duplicates {r.duplicates}, failed {r.failed}, {r.seconds:.2f}s"
            )
            if r.rescanned:
                line += " (UIDVALIDITY changed: folder rescanned)"
            if r.error:
                self.stderr.write(f"{line}; error: {r.error}")
                failures.append(r.mailbox)
            else:
                self.stdout.write(line)
        if failures:
            raise CommandError(f"collection failed for: {', '.join(failures)}")
