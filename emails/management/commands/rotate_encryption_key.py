from django.core.management.base import BaseCommand, CommandError

from mailflow import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every secret stored in the database with the first key of "
        "MAILFLOW_ENCRYPTION_KEY (after putting a new key first). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        results = crypto.stored_secrets_rotate(batch_size=batch_size)
        unreadable = []
        for result in results:
            self.stdout.write(
                f"{result.field.label}: {result.reencrypted} re-encrypted, "
                f"{result.current} already with the first key"
                + (f", {len(result.unreadable)} unreadable" if result.unreadable else "")
            )
            unreadable += [
                f"{result.field.model} id {pk} ({result.field.field})" for pk in result.unreadable
            ]
        if unreadable:
            for row in unreadable:
                self.stderr.write(f"unreadable with every configured key: {row}")
            raise CommandError(
                f"{len(unreadable)} stored secret(s) could not be decrypted and were left as "
                "they are. Add the key they were encrypted with to MAILFLOW_ENCRYPTION_KEY "
                "(after the first) and run this again, or enter those secrets again. Keep "
                "the old keys until this command succeeds."
            )
        self.stdout.write(self.style.SUCCESS("Every stored secret uses the first key."))
