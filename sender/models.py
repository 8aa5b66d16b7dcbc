from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mailflow.audit import StatusChangeBase


class OutboundMessage(models.Model):
    class Status(models.TextChoices):
        # Composed; waits for a person (or is held by loop protection) before it may go.
        DRAFT = "draft", _("Draft")
        # Approved; a worker sends it when next_attempt_at comes.
        QUEUED = "queued", _("Queued")
        # Claimed by a worker; the SMTP transaction is in progress.
        SENDING = "sending", _("Sending")
        # The SMTP server accepted it (smtp_reply holds its answer).
        SENT = "sent", _("Sent")
        # Refused for good (5xx) or out of attempts; last_error says why.
        FAILED = "failed", _("Failed")
        # A worker died while sending: it may or may not have left. A person decides.
        UNCERTAIN = "uncertain", _("Uncertain")
        # A person decided it will not be sent (a held draft, a failure given up on...).
        DISCARDED = "discarded", _("Discarded")

    class Purpose(models.TextChoices):
        # Defences: the blank form, pre-filled, asking the professor for what is missing.
        FORM_REQUEST = "form_request", _("Request for the missing data")
        # Defences: the announcement request to the coordination, with the documents.
        CHAMADO = "chamado", _("Chamado to the coordination")
        # Defences: the answer to the professor, with the documents.
        DOCUMENTS = "documents", _("Documents to the professor")
        # Defences: why the secretariat could not register the defence.
        REJECTION = "rejection", _("Rejection of the defence")
        # Lab access: the question to the coordinator.
        AUTHORISATION_REQUEST = "authorisation_request", _("Authorisation request")
        # Lab access: login and password to the student.
        CREDENTIALS = "credentials", _("Credentials")
        # Lab access: the coordinator's copy, without the password.
        CREDENTIALS_COPY = "credentials_copy", _("Copy of the credentials")
        # Lab access: the coordinator's no, with the reason.
        DENIAL = "denial", _("Denial")

    email = models.ForeignKey(
        "emails.Email",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbound_messages",
        verbose_name=_("case email"),
    )
    # What the message is for, shown to staff by its label (the code stays in the API).
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    # One message per case and purpose: composing the same reply twice yields this one.
    idempotency_key = models.CharField(max_length=255, editable=False)  # unique: see Meta
    # The case the message belongs to ("defense:12", "access:7", "email:5"): what the
    # workflows ask the outbox about (sender.selectors.case_messages). Blank: no case.
    case_key = models.CharField(_("case"), max_length=255, blank=True, editable=False)
    automatic = models.BooleanField(
        _("automatic"), default=True, help_text=_("Composed by the system, not by a person.")
    )
    from_email = models.CharField(_("from"), max_length=320)
    to = models.TextField(_("to"))
    cc = models.TextField(_("cc"), blank=True)
    reply_to = models.TextField(_("reply to"), blank=True)
    subject = models.TextField(_("subject"))
    # What is stored is what staff may read: secrets appear masked (see secrets_encrypted).
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Fernet-encrypted JSON {name: value} of the secrets the body mentions; emptied once sent.
    secrets_encrypted = models.TextField(blank=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=255, editable=False)  # unique
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    held_reason = models.CharField(_("why it is held"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_by = models.CharField(max_length=100, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    smtp_reply = models.TextField(_("SMTP server reply"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        # Every status change rewrites the row in each index (status is in their
        # predicates, so PostgreSQL cannot update in place): a worker updates each message
        # twice, so only what queries need is indexed, and the unique columns carry no
        # LIKE-pattern copies (UniqueConstraint instead of unique=True).
        indexes = [
            # Staff's lists and counts of what waits (drafts, failed, uncertain...): the
            # sent ones, nearly all of the table, stay out.
            models.Index(
                fields=["status"], condition=~Q(status="sent"), name="outbound_open_status_idx"
            ),
            # The workers' claim query: queued and due.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="queued"),
                name="outbound_due_idx",
            ),
            # The workflows' questions about their cases (messages without a case stay out).
            models.Index(
                fields=["case_key", "purpose"],
                condition=~Q(case_key=""),
                name="outbound_case_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbound_idempotency_key"),
            models.UniqueConstraint(fields=["message_id"], name="outbound_message_id"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbound_sent_has_sent_at",
            ),
            # what will never be sent keeps no secret
            models.CheckConstraint(
                condition=~Q(status="discarded") | Q(secrets_encrypted=""),
                name="outbound_discarded_keeps_no_secret",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    def recipients(self) -> list[str]:
        return [a.strip() for a in f"{self.to},{self.cc}".split(",") if a.strip()]


def outbound_attachment_path(instance: "OutboundAttachment", filename: str) -> str:
    return f"outbox/{filename}"


class OutboundAttachment(models.Model):
    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    file = models.FileField(_("file"), upload_to=outbound_attachment_path, max_length=500)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class OutboundStatusChange(StatusChangeBase):
    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="status_changes"
    )
    # Two rows a message are written on the workers' path: only the message is indexed
    # (a history is read per message; it is in time order by id).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta(StatusChangeBase.Meta):
        pass
