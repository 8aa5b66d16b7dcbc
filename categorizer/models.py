from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pipeline import kinds


class ClassifierModel(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    examples = models.PositiveIntegerField(_("training examples"), default=0)
    corrections = models.PositiveIntegerField(_("staff corrections among them"), default=0)
    holdout_macro_f1 = models.FloatField(_("held-out macro-F1"))
    cv_macro_f1 = models.FloatField(_("cross-validated macro-F1"), null=True, blank=True)
    # per-class precision/recall/F1, confusion matrix, sizes (see classifier.train)
    metrics = models.JSONField(_("metrics"), default=dict)
    training_seconds = models.FloatField(_("training time (s)"), default=0)
    active = models.BooleanField(_("active"), default=False, db_index=True)
    pipeline = models.BinaryField(_("serialized pipeline"), editable=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("classifier model")
        verbose_name_plural = _("classifier models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_classifier"
            ),
            models.CheckConstraint(
                condition=Q(holdout_macro_f1__gte=0, holdout_macro_f1__lte=1),
                name="classifier_f1_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} (F1 {self.holdout_macro_f1:.3f})"


class TrainingExample(models.Model):
    """An example learned from the secretariat (a correction of the machine's kind)."""

    email = models.OneToOneField(
        "emails.Email",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_example",
        verbose_name=_("email"),
    )
    subject = models.TextField(_("subject"), blank=True)
    body = models.TextField(_("text"), blank=True)
    original_subject = models.TextField(_("original subject"), blank=True)
    forwarded = models.BooleanField(_("forwarded"), default=False)
    label = models.CharField(
        _("kind"),
        max_length=kinds.CODE_MAX_LENGTH,
        choices=kinds.kind_choices,
    )
    is_correction = models.BooleanField(_("staff correction"), default=True)
    predicted = models.CharField(_("machine's guess"), max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("training example")
        verbose_name_plural = _("training examples")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label}: {self.subject[:60]}"
