import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from emails import services
from emails.models import Mailbox
from mailflow import checks


class Command(BaseCommand):
    # Run from cron: only the project's own checks (mailflow/checks.py says why).
    requires_system_checks = [checks.MAILFLOW]
    help = (
        "Fetch new messages from every active mailbox (or the one named). With --idle, "
        "keep running and collect as soon as mail arrives (IMAP IDLE) until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="collect only this mailbox (by name)")
        parser.add_argument(
            "--idle",
            action="store_true",
            help="keep watching (IMAP IDLE) and collect on arrival; stop with Ctrl-C or SIGTERM",
        )

    def handle(self, *args, mailbox=None, idle=False, **options):
        if idle:
            self._watch(mailbox)
            return
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
            line = self._line(r)
            if r.error:
                self.stderr.write(f"{line}; error: {r.error}")
                failures.append(r.mailbox)
            else:
                self.stdout.write(line)
        if failures:
            raise CommandError(f"collection failed for: {', '.join(failures)}")

    @staticmethod
    def _line(r: services.CollectResult) -> str:
        line = (
            f"{r.mailbox}: fetched {r.fetched}, stored {r.stored}, "
            f"duplicates {r.duplicates}, failed {r.failed}, {r.seconds:.2f}s"
        )
        if r.rescanned:
            line += " (UIDVALIDITY changed: folder rescanned)"
        return line

    def _watch(self, mailbox: str | None) -> None:
        stop = threading.Event()
        previous = {}

        def request_stop(signum, frame):
            stop.set()
            signal.signal(signum, previous[signum])  # a second signal ends it at once

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, request_stop)

        def report(r: services.CollectResult) -> None:
            if r.error:
                self.stderr.write(f"{self._line(r)}; error: {r.error}")
            elif r.fetched:
                self.stdout.write(self._line(r))

        try:
            results = services.mailboxes_watch(name=mailbox, stop_event=stop, on_collect=report)
        except Mailbox.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if not results:
            self.stdout.write("No active mailbox. Set IMAP_URL or add one in the admin.")
            return
        for w in results:
            self.stdout.write(
                f"{w.mailbox} ({w.mode or 'not connected'}): {w.collections} collections, "
                f"stored {w.stored}, {w.errors} errors"
            )
