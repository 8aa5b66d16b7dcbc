from django.core.management.base import BaseCommand

from mailflow import crypto


class Command(BaseCommand):
    help = (
        "Print a new key for MAILFLOW_ENCRYPTION_KEY. --with-legacy also prints, after it, "
        "the key older versions derived from SECRET_KEY, for an installation whose stored "
        "secrets were encrypted with it (then run rotate_encryption_key and drop it)."
    )
    # It is what fixes the check that a missing key fails.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--with-legacy", action="store_true")

    def handle(self, *args, with_legacy, **options):
        keys = [crypto.generate_key()]
        if with_legacy:
            keys.append(crypto.legacy_key())
        self.stdout.write(",".join(keys))
