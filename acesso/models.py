from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mailflow.audit import StatusChangeBase


class LabHost(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=22)
    active = models.BooleanField(_("active"), default=True)
    dry_run = models.BooleanField(
        _("dry run"),
        default=False,
        help_text=_("Only record the commands that would run (for trials and new labs)."),
    )
    # The public key line ("ssh-ed25519 AAAA...") trusted by staff; empty: not trusted yet.
    host_key = models.TextField(_("pinned host key"), blank=True)
    last_contact = models.DateTimeField(_("last contact"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("lab computer")
        verbose_name_plural = _("lab computers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["address", "port"], name="labhost_unique_address")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def host_key_fingerprint(self) -> str:
        from acesso.ssh import fingerprint

        return fingerprint(self.host_key) if self.host_key else ""


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        # Waiting for the coordinator.
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting authorisation")
        # Authorised; accounts about to be created.
        APPROVED = "approved", _("Authorised")
        # Accounts being created on the lab computers.
        PROVISIONING = "provisioning", _("Creating accounts")
        # The account exists on every active lab computer.
        PROVISIONED = "provisioned", _("Accounts created")
        # Some lab computers failed; see the per-computer results.
        PROVISIONING_FAILED = "provisioning_failed", _("Account creation failed")
        # The coordinator said no (with a reason sent to the student).
        DENIED = "denied", _("Denied")
        # The credentials are in the outbox (queued, or a draft for a person to approve).
        CREDENTIALS_QUEUED = "credentials_queued", _("Credentials waiting to be sent")
        # The SMTP server accepted the credentials for the student.
        SENT = "sent", _("Answered")

    email = models.ForeignKey(
        "emails.Email",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_requests",
        verbose_name=_("email"),
    )
    student_name = models.CharField(_("student"), max_length=200)
    student_email = models.EmailField(_("student's email"), max_length=320)
    login = models.CharField(
        _("login"),
        max_length=32,
        db_index=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9._-]{0,31}$",
                _("Lower-case letters, digits, dot, dash or underscore; starting with a letter."),
            )
        ],
    )
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=Status.choices,
        default=Status.AWAITING_APPROVAL,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    denial_reason = models.TextField(_("reason for the denial"), blank=True)
    # Fernet-encrypted; emptied once the credentials were delivered.
    password_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lab access request")
        verbose_name_plural = _("lab access requests")
        ordering = ["-created_at", "-id"]
        # The coordinator's decision; secretaries see and correct, but do not decide.
        permissions = [("decide_accessrequest", _("Can authorise or deny lab access"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="denied") | ~Q(denial_reason=""),
                name="access_denial_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_name} ({self.login})"


class Provisioning(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CREATED = "created", _("Account created")
        RESET = "reset", _("Password reset")
        FAILED = "failed", _("Failed")

    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="provisionings"
    )
    host = models.ForeignKey(LabHost, on_delete=models.PROTECT, related_name="provisionings")
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    # For dry-run hosts: the commands that would have run (password masked).
    commands = models.TextField(_("commands"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("result on a lab computer")
        verbose_name_plural = _("results per lab computer")
        ordering = ["host__name", "-attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "host", "attempt"], name="provisioning_unique_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.host}: {self.status}"


class AccessStatusChange(StatusChangeBase):
    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="status_changes"
    )

    class Meta(StatusChangeBase.Meta):
        pass
