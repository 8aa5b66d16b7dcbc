from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mailflow.audit import StatusChangeBase
from pipeline import kinds


class Mailbox(models.Model):
    class Protocol(models.TextChoices):
        IMAP = "imap", _("IMAP server")
        MAILDIR = "maildir", _("Local Maildir folder")
        # Messages uploaded through the API or `ingest_eml`.
        MANUAL = "manual", _("Manual upload")

    class Security(models.TextChoices):
        # Implicit TLS (imaps, usually port 993).
        SSL = "ssl", _("SSL/TLS")
        # Upgrade with STARTTLS when offered; a clear-text login only to a loopback host.
        STARTTLS = "starttls", _("STARTTLS")
        # No encryption at all: refused unless the host is a loopback address.
        NONE = "none", _("None (local server only)")

    class AfterFetch(models.TextChoices):
        NOTHING = "nothing", _("Leave the message untouched")
        SEEN = "seen", _("Mark as read (\\Seen)")
        MOVE = "move", _("Move to another folder")

    name = models.CharField(_("name"), max_length=100, unique=True)
    protocol = models.CharField(
        _("type"), max_length=10, choices=Protocol.choices, default=Protocol.IMAP
    )
    host = models.CharField(_("server"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user"), max_length=255, blank=True)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    credentials_from_env = models.BooleanField(
        _("credentials from the environment"),
        default=False,
        help_text=_("The connection comes from IMAP_URL (or EMAIL_HOST/USER/PASS)."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    maildir_path = models.CharField(_("Maildir path"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)
    after_fetch = models.CharField(
        _("after a successful fetch"),
        max_length=10,
        choices=AfterFetch.choices,
        default=AfterFetch.NOTHING,
    )
    move_to_folder = models.CharField(_("move to folder"), max_length=255, blank=True)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last UID collected"), default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(
        _("last successful poll"), null=True, blank=True, editable=False
    )
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    # A lease taken by the running collection (a database lock that survives no crash:
    # it expires by itself).
    lock_token = models.CharField(max_length=64, blank=True, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(after_fetch="move") | ~Q(move_to_folder=""),
                name="mailbox_move_needs_folder",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.protocol == self.Protocol.IMAP and not self.credentials_from_env:
            if not self.host:
                errors["host"] = _("An IMAP mailbox needs a server.")
            if not self.username:
                errors["username"] = _("An IMAP mailbox needs a user.")
        if self.protocol == self.Protocol.MAILDIR and not self.maildir_path:
            errors["maildir_path"] = _("A Maildir mailbox needs a path.")
        if self.after_fetch == self.AfterFetch.MOVE and not self.move_to_folder:
            errors["move_to_folder"] = _("Say which folder to move messages to.")
        if errors:
            raise ValidationError(errors)


class Email(models.Model):
    class Status(models.TextChoices):
        # Stored, waiting for the next step (classification).
        RECEIVED = "received", _("Received")
        # The machine is not sure (kind or data): a person must look.
        NEEDS_REVIEW = "needs_review", _("Needs review")
        # A workflow is handling it.
        PROCESSING = "processing", _("Processing")
        # Its case is finished.
        DONE = "done", _("Done")
        # Nothing to do (spam, automatic mail, not a request).
        IGNORED = "ignored", _("Ignored")
        # It could not be parsed or processed; `error` says why. The raw bytes are kept.
        FAILED = "failed", _("Failed")

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="emails", verbose_name=_("mailbox")
    )
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    uid = models.BigIntegerField(_("UID"), null=True, blank=True, editable=False)
    # Maildir file key, for Maildir mailboxes.
    source_key = models.CharField(max_length=255, blank=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    raw_sha256 = models.CharField(max_length=64, editable=False)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    subject = models.TextField(_("subject"), blank=True)
    from_name = models.CharField(_("sender name"), max_length=500, blank=True)
    from_address = models.CharField(_("sender address"), max_length=320, blank=True)
    to = models.TextField(_("to"), blank=True)
    cc = models.TextField(_("cc"), blank=True)
    reply_to = models.TextField(_("reply to"), blank=True)
    date = models.DateTimeField(_("date"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    raw = models.BinaryField(_("original message"))
    size = models.PositiveIntegerField(_("size"), default=0)
    # Over MAILFLOW_MAX_MESSAGE_BYTES: only the headers were fetched (`raw` holds them,
    # `size` is the whole message's), until staff fetch it anyway.
    headers_only = models.BooleanField(_("headers only"), default=False)
    # A later copy whose Message-ID an earlier email already has, with different bytes
    # (either may be a forgery): both are kept, the later one waits for a person.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="same_id_copies",
        verbose_name=_("same Message-ID, different content, as"),
        db_index=False,  # a partial index below: almost every row has none
    )
    forwarded = models.BooleanField(_("forwarded"), default=False)
    original_from_name = models.CharField(_("original sender name"), max_length=500, blank=True)
    original_from_address = models.CharField(
        _("original sender address"), max_length=320, blank=True
    )
    original_subject = models.TextField(_("original subject"), blank=True)
    original_date = models.DateTimeField(_("original date"), null=True, blank=True)
    auto_generated = models.BooleanField(_("automatic"), default=False)
    auto_reason = models.CharField(_("why automatic"), max_length=255, blank=True)
    # Null until classified (DESIGN.md): "not yet" differs from any kind. The kinds are
    # registered by the workflow apps (pipeline.kinds), so a new kind changes no file here.
    kind = models.CharField(  # noqa: DJ001
        _("kind"),
        max_length=kinds.CODE_MAX_LENGTH,
        choices=kinds.kind_choices,
        null=True,
        blank=True,
        db_index=True,
    )
    kind_confidence = models.FloatField(_("confidence"), null=True, blank=True)
    # The classifier's probability for each kind, e.g. {"defesa": 0.7, "outro": 0.2, ...}.
    kind_scores = models.JSONField(_("scores per kind"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    # For a reply to one of our messages: the email that opened its case.
    case = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_replies",
        verbose_name=_("reply in the case of"),
    )

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=Q(uid__isnull=False),
                name="email_unique_imap_uid",
            ),
            # One first copy per Message-ID; later copies with other bytes point at it.
            models.UniqueConstraint(
                fields=["mailbox", "message_id"],
                condition=~Q(message_id="") & Q(duplicate_of__isnull=True),
                name="email_unique_first_message_id",
            ),
            # The same bytes are the same message, with or without a Message-ID.
            models.UniqueConstraint(fields=["mailbox", "raw_sha256"], name="email_unique_raw"),
            models.UniqueConstraint(
                fields=["mailbox", "source_key"],
                condition=~Q(source_key=""),
                name="email_unique_source_key",
            ),
            models.CheckConstraint(
                condition=Q(kind_confidence__isnull=True)
                | Q(kind_confidence__gte=0, kind_confidence__lte=1),
                name="email_confidence_between_0_and_1",
            ),
        ]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="email_received_idx"),
            models.Index(fields=["date"], name="email_date_idx"),
            models.Index(fields=["from_address"], name="email_from_idx"),
            # Partial: only the few true rows are indexed, cheap to keep up at intake.
            models.Index(
                fields=["-received_at"], condition=Q(forwarded=True), name="email_forwarded_idx"
            ),
            models.Index(
                fields=["-received_at"], condition=Q(auto_generated=True), name="email_auto_idx"
            ),
            models.Index(fields=["in_reply_to"], name="email_in_reply_to_idx"),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="email_duplicate_of_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or str(_("(no subject)"))

    @property
    def sender_name(self) -> str:
        """Who the request is really from: the original sender of a forward."""
        return self.original_from_name if self.forwarded else self.from_name

    @property
    def sender_address(self) -> str:
        return self.original_from_address if self.forwarded else self.from_address


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    return f"attachments/{filename}"


class Attachment(models.Model):
    email = models.ForeignKey(
        Email, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("email")
    )
    filename = models.CharField(_("file name"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=500)
    content_type = models.CharField(_("content type"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename or self.file.name


class StatusChange(StatusChangeBase):
    email = models.ForeignKey(
        Email, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("email")
    )

    class Meta(StatusChangeBase.Meta):
        pass
