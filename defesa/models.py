from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from defesa.documents import DOCUMENT_KINDS
from mailflow.audit import StatusChangeBase


class DefenseRequest(models.Model):
    class Status(models.TextChoices):
        # Required data is missing: the professor was sent the form and we wait for it.
        AWAITING_DATA = "awaiting_data", _("Awaiting data")
        # Complete, documents generated: a secretary reviews and approves.
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        # Approved: the chamado and the reply are in the outbox.
        APPROVED = "approved", _("Approved")
        # The chamado and the reply were both sent.
        SENT = "sent", _("Sent")
        # Refused by a secretary; the reason went to the professor.
        REJECTED = "rejected", _("Rejected")

    email = models.ForeignKey(
        "emails.Email",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defense_requests",
        verbose_name=_("email"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.AWAITING_REVIEW,
        db_index=True,
    )
    # Which of its email's defences this is: an email may ask for several ("DEFESA 1 ...
    # DEFESA 2 ...", "A primeira é a do X ... A segunda, da Y ..."), one request each.
    part = models.PositiveSmallIntegerField(
        _("defence in the email"),
        default=0,
        editable=False,
        help_text=_("Which of its email's defences this is (0: the first)."),
    )
    student = models.CharField(_("student"), max_length=200, blank=True)
    title = models.TextField(_("title"), blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    time = models.TimeField(_("time"), null=True, blank=True)
    room = models.CharField(
        _("room"), max_length=100, blank=True, help_text=_("As written: “207”, or “Virtual”.")
    )
    link = models.URLField(_("virtual room link"), max_length=500, blank=True)
    # REQUIRED_FIELDS codes (defesa.data) still empty; recomputed on every change.
    missing_fields = models.JSONField(_("missing fields"), default=list, blank=True)
    # What extraction could not read (shown to staff; never guessed).
    problems = models.JSONField(_("extraction problems"), default=list, blank=True)
    # Where each value was read: {field or "member:<i>": {"start", "end", "rule", "check"}}
    # (defesa.reading; start/end index the email's text, None when not in it).
    provenance = models.JSONField(default=dict, blank=True, editable=False)
    # Values a person should look at: {field or "member:<i>": reason code}
    # (mailflow.reading.CHECK_REASONS). A request with any never goes out automatically.
    checks = models.JSONField(default=dict, blank=True, editable=False)
    # Fingerprint of the data the current documents were generated from: approving data
    # that changed since regenerates them first.
    documents_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    rejection_reason = models.TextField(_("reason for the rejection"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("defence request")
        verbose_name_plural = _("defence requests")
        ordering = ["-created_at", "-id"]
        # Approving sends the documents out; a secretary's review, not every editor's.
        permissions = [("review_defenserequest", _("Can approve or reject defence requests"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="defense_rejection_has_reason",
            ),
            # One request per defence of its originating email.
            models.UniqueConstraint(
                fields=["email", "part"],
                condition=Q(email__isnull=False),
                name="defense_one_per_email_part",
            ),
        ]

    def __str__(self) -> str:
        return self.student or _("defence request #%(id)s") % {"id": self.pk}


class CommitteeMember(models.Model):
    class Role(models.TextChoices):
        ADVISOR = "advisor", _("Main advisor")
        COADVISOR = "coadvisor", _("Co-advisor")
        INTERNAL = "internal", _("Internal member")
        EXTERNAL = "external", _("External member")

    defense = models.ForeignKey(DefenseRequest, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    name = models.CharField(_("name"), max_length=200, help_text=_("Without the honorific."))
    honorific = models.CharField(
        _("honorific"), max_length=40, blank=True, help_text=_("“Prof. Dr.”, “Profª. Drª.”…")
    )
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.honorific} {self.name}".strip()


def template_upload_to(instance: "DocumentTemplate", filename: str) -> str:
    return f"defesa/templates/{instance.kind}.docx"


class DocumentTemplate(models.Model):
    """An uploaded .docx that replaces the shipped default for one document kind."""

    kind = models.CharField(_("document"), max_length=40, unique=True)
    file = models.FileField(_(".docx file"), upload_to=template_upload_to, max_length=500)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(DOCUMENT_KINDS.get(self.kind, self.kind))


def document_upload_to(instance: "GeneratedDocument", filename: str) -> str:
    return f"defesa/{instance.defense_id}/{filename}"


class GeneratedDocument(models.Model):
    defense = models.ForeignKey(DefenseRequest, on_delete=models.CASCADE, related_name="documents")
    # The document kind (defesa.documents.DOCUMENT_KINDS) and the template it came from
    # (null: the shipped default).
    kind = models.CharField(_("document"), max_length=40)
    template = models.ForeignKey(
        DocumentTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    member_name = models.CharField(_("member"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=500)
    size = models.PositiveIntegerField(_("size"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("documents")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["defense", "filename"], name="generated_document_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.filename


class DefenseStatusChange(StatusChangeBase):
    defense = models.ForeignKey(
        DefenseRequest, on_delete=models.CASCADE, related_name="status_changes"
    )

    class Meta(StatusChangeBase.Meta):
        pass
