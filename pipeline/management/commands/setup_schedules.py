from django.core.management.base import BaseCommand

from mailflow.schedules import schedules_setup


class Command(BaseCommand):
    help = "Create or update every periodic job (idempotent)."

    def handle(self, *args, **options):
        for name, created in schedules_setup():
            self.stdout.write(f"{'created' if created else 'updated'}: {name}")
