from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from acesso.ssh import fingerprint
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
    # Who asked: the sender, or the original sender of a forward. Not the student when an
    # advisor or the coordinator asks for a named student.
    requester_name = models.CharField(_("requested by"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester's email"), max_length=320, blank=True)
    # Where each value was read: {field: {"start", "end", "rule", "check"}} (acesso.extraction
    # Found.as_dict; start/end index the email's text, None for a header or a person).
    provenance = models.JSONField(default=dict, blank=True, editable=False)
    # Values a person should look at before anything goes out: {field: reason code}
    # (acesso.checks.CHECK_REASONS); a request with any never goes out automatically.
    checks = models.JSONField(default=dict, blank=True, editable=False)
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
    # The identity the coordinator authorised, recorded with the decision: accounts and
    # credentials are for it only (a later edit by someone who may not decide is refused,
    # and a retry refuses an identity that differs from it).
    approved_student_name = models.CharField(
        _("authorised student"), max_length=200, blank=True, editable=False
    )
    approved_student_email = models.EmailField(
        _("authorised email"), max_length=320, blank=True, editable=False
    )
    approved_login = models.CharField(
        _("authorised login"), max_length=32, blank=True, editable=False
    )
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

    @property
    def decided(self) -> bool:
        """Past the coordinator's decision: the identity is the coordinator's to change."""
        return self.status != self.Status.AWAITING_APPROVAL

    def identity(self) -> tuple[str, str, str]:
        return (self.student_name, self.student_email.lower(), self.login)

    def approved_identity(self) -> tuple[str, str, str] | None:
        """(name, email, login) as authorised, or None when no authorisation was recorded."""
        if not self.approved_login:
            return None
        return (
            self.approved_student_name,
            self.approved_student_email.lower(),
            self.approved_login,
        )


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


class LabAccount(models.Model):
    """An account mailflow created (or a superuser took over) on a lab computer: the only
    accounts whose password mailflow may reset, and only for the same person (the
    recorded request's student: the same address and the same name)."""

    host = models.ForeignKey(
        LabHost, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("lab computer")
    )
    login = models.CharField(_("login"), max_length=32)
    uid = models.PositiveIntegerField(_("uid"))
    # The comment (GECOS) written or found on the computer: a different one means the
    # login was removed and made again by someone else.
    comment = models.CharField(_("name on the computer"), max_length=200, blank=True)
    request = models.ForeignKey(
        AccessRequest,
        on_delete=models.PROTECT,
        related_name="lab_accounts",
        verbose_name=_("lab access request"),
    )
    # Set when a superuser took over an account mailflow had not created.
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken over by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account on a lab computer")
        verbose_name_plural = _("accounts on the lab computers")
        ordering = ["host__name", "login"]
        constraints = [
            models.UniqueConstraint(fields=["host", "login"], name="labaccount_unique_login")
        ]

    def __str__(self) -> str:
        return f"{self.login}@{self.host}"


class LabAccountCheck(models.Model):
    """What a lab computer said about a request's login before the coordinator decided
    (one row per request and computer, replaced by each new check)."""

    class Result(models.TextChoices):
        # No account with this login on the computer (also a dry-run computer).
        ABSENT = "absent", _("No account with this login")
        # mailflow created it for the same student: its password would be reset.
        SAME_PERSON = "same_person", _("Exists, created by mailflow for this student")
        # mailflow created it for someone else.
        OTHER_PERSON = "other_person", _("Exists, created by mailflow for another person")
        # Someone else created it (by hand, another system): never touched.
        NOT_MAILFLOW = "not_mailflow", _("Exists and was not created by mailflow")
        # The computer could not be asked.
        ERROR = "error", _("Could not check")

    request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="account_checks"
    )
    host = models.ForeignKey(
        LabHost, on_delete=models.CASCADE, related_name="+", verbose_name=_("lab computer")
    )
    login = models.CharField(_("login"), max_length=32)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    uid = models.PositiveIntegerField(_("uid"), null=True, blank=True)
    full_name = models.CharField(_("name on the computer"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("existing account check")
        verbose_name_plural = _("existing accounts on the lab computers")
        ordering = ["host__name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "host"], name="labaccountcheck_unique")
        ]

    def __str__(self) -> str:
        return f"{self.host}: {self.get_result_display()}"

    @property
    def exists(self) -> bool:
        return self.result in (
            self.Result.SAME_PERSON,
            self.Result.OTHER_PERSON,
            self.Result.NOT_MAILFLOW,
        )


class LabAccountAdoption(models.Model):
    """A superuser's permission for one request to take over the existing account (this
    login, this uid) on one lab computer: the next retry resets its password."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="adoptions")
    host = models.ForeignKey(
        LabHost, on_delete=models.CASCADE, related_name="+", verbose_name=_("lab computer")
    )
    login = models.CharField(_("login"), max_length=32)
    uid = models.PositiveIntegerField(_("uid"))
    full_name = models.CharField(_("name on the computer"), max_length=200, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken over by"),
    )
    adopted_at = models.DateTimeField(_("taken over at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account taken over")
        verbose_name_plural = _("accounts taken over")
        constraints = [
            models.UniqueConstraint(fields=["request", "host"], name="labaccountadoption_unique")
        ]

    def __str__(self) -> str:
        return f"{self.login}@{self.host}"
