from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from demo.services import demo_seed


class Command(BaseCommand):
    help = (
        "Create the trial's demo: the users secretaria and coordenacao (random passwords, "
        "printed once), a local Maildir mailbox with sample requests and two dry-run lab "
        "computers. Running it again creates nothing new."
    )

    def handle(self, *args, **options):
        result = demo_seed()
        for username, password in result.created_users:
            # Printed for the person starting the trial; never logged nor stored in clear.
            self.stdout.write(
                self.style.SUCCESS(
                    _("User created: %(username)s / %(password)s (the password is shown only now)")
                    % {"username": username, "password": password}
                )
            )
        if result.existing_users:
            self.stdout.write(
                _("Users already there (passwords unchanged): %(users)s")
                % {"users": ", ".join(result.existing_users)}
            )
        for group in result.groups_without_permissions:
            self.stdout.write(
                self.style.WARNING(
                    _("The group “%(group)s” has no permissions yet.") % {"group": group}
                )
            )
        self.stdout.write(
            _("Demo mailbox: %(path)s (%(count)d messages added)")
            % {"path": result.maildir, "count": result.messages_written}
        )
        if result.lab_hosts_created:
            self.stdout.write(
                _("Dry-run lab computers added: %(count)d") % {"count": result.lab_hosts_created}
            )
