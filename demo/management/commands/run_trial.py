from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo.services import STAFF
from demo.trial import Supervisor, port_in_use


class Command(BaseCommand):
    help = (
        "The trial run: collect and process the mail once, then run the web server and the "
        "worker (qcluster) together until Ctrl+C, which stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="the web server's address and port"
        )

    def handle(self, *args, addrport, **options):
        if not settings.MAILFLOW_TRIAL:
            raise CommandError(
                _("run_trial is for trial runs: set MAILFLOW_TRIAL=1 (make run does).")
            )
        if settings.SECURE_SSL_REDIRECT:
            raise CommandError(_("the trial serves plain HTTP: set DEBUG=1 (make run does)."))
        host, _sep, port = addrport.rpartition(":")
        if not port.isdigit():
            raise CommandError(_("--addrport: expected host:port, e.g. 127.0.0.1:8000"))
        host = host.strip("[]") or "127.0.0.1"
        if port_in_use(host, int(port)):
            raise CommandError(
                _(
                    "%(addrport)s is in use (another trial?): choose another with --addrport "
                    "(make run ADDRPORT=127.0.0.1:8001)."
                )
                % {"addrport": addrport}
            )
        try:
            self._prepare()
        except KeyboardInterrupt:
            self.stdout.write(_("Interrupted before the start."))
            return
        supervisor = Supervisor(
            host=host, port=int(port), write=self.stdout.write, on_ready=self._banner
        )
        if supervisor.run() != 0:
            raise CommandError(_("the trial stopped because a process died"))

    def _prepare(self) -> None:
        """Schedules, then one collection and one pass of every step, so the first page
        shows the demo already classified; the worker does the rest (e.g. sending)."""
        call_command("setup_schedules", stdout=self.stdout, stderr=self.stderr)
        try:
            call_command("collect_emails", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stderr.write(str(exc))  # the web server is still worth starting
        call_command("process_pending", stdout=self.stdout, stderr=self.stderr)

    def _banner(self, url: str) -> None:
        users = ", ".join(account.username for account in STAFF)
        lines = [
            "",
            _("mailflow is running: %(url)s") % {"url": url},
            _("Logins: %(users)s (passwords printed once, when seed_demo created the users).")
            % {"users": users},
            _("A new password: .venv/bin/python manage.py changepassword secretaria"),
            _("Outgoing mail is written to %(path)s; nothing leaves this machine.")
            % {"path": settings.MAILFLOW_TRIAL_OUTBOX_DIR},
            _("Ctrl+C stops the web server and the worker."),
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
