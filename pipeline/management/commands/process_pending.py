from django.core.management.base import BaseCommand

from mailflow import checks
from pipeline import steps


class Command(BaseCommand):
    # Run from cron: only the project's own checks (mailflow/checks.py says why).
    requires_system_checks = [checks.MAILFLOW]
    help = "Run every due pipeline step now, in this process, until nothing is left."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]

        def progress(name: str, obj_id: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {name}: {obj_id}")

        totals = steps.run_pending(on_progress=progress)
        if not totals:
            self.stdout.write("Nothing to do.")
            return
        for name, count in sorted(totals.items()):
            self.stdout.write(f"{name}: {count} processed")
