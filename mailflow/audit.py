"""The audit row every status change writes, shared by the apps that have statuses."""

from typing import Any, TypedDict

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class StatusChangeBase(models.Model):
    """Who or what moved an object from one status to another, when, and why. Concrete
    subclasses add the foreign key to their object with related_name="status_changes"."""

    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    # "system", or what acted for it (e.g. "collect_emails", a worker), when no person did.
    actor_label = models.CharField(_("actor"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        # shown by the admin above each history row: labels, never the codes
        choices = self.status_choices()
        before = choices.get(self.from_status, self.from_status) if self.from_status else "—"
        return f"{before} → {choices.get(self.to_status, self.to_status)}"

    @classmethod
    def status_choices(cls) -> dict[str, str]:
        """{code: label} of the status of the object this history belongs to."""
        for field in cls._meta.fields:
            related = field.related_model
            if field.many_to_one and related is not None and related is not cls:
                try:
                    status = related._meta.get_field("status")
                except FieldDoesNotExist:
                    continue
                if status.choices:
                    return {code: str(label) for code, label in status.flatchoices}
        return {}


class TransitionRules(TypedDict):
    """What `status_transition` needs to know about one model, kept next to its allowed
    transitions map: `status_transition(obj=email, status=..., **EMAIL_TRANSITIONS)`."""

    allowed: dict[str, set[str]]
    refused: str
    error: type[Exception]


@transaction.atomic
def status_transition(
    *,
    obj: models.Model,
    status: str,
    allowed: dict[str, set[str]],
    refused: str,
    error: type[Exception],
    history: type[StatusChangeBase] | None = None,
    link: str = "",
    actor=None,
    actor_label: str = "",
    note: str = "",
    fields: dict[str, Any] | None = None,
) -> None:
    """Move `obj` to `status` if its current status (read under a row lock) allows it, and
    write the audit row (`history` points at `obj` through the field `link`; by default
    the model behind `obj.status_changes`). Otherwise raise `error` with `refused` (a
    translated text with %(current)s and %(target)s). `fields` are the other columns that
    change with the status (an error, a reason, who decided), written in the same UPDATE
    and set on `obj` (an expression such as F() is read back). It runs in a transaction
    (a savepoint inside the caller's)."""
    model = type(obj)
    locked = model.objects.select_for_update().only("id", "status").get(pk=obj.pk)
    if status not in allowed[locked.status]:
        choices = dict(model._meta.get_field("status").flatchoices)
        raise error(
            refused % {"current": choices[locked.status], "target": choices.get(status, status)}
        )
    changes = {**(fields or {}), "status": status}
    model.objects.filter(pk=obj.pk).update(**changes)
    _history_row(
        obj,
        history=history,
        link=link,
        from_status=locked.status,
        to_status=status,
        actor=actor,
        actor_label=actor_label,
        note=note,
    )
    computed = [name for name, value in changes.items() if hasattr(value, "resolve_expression")]
    for name, value in changes.items():
        if name not in computed:
            setattr(obj, name, value)
    if computed:
        obj.refresh_from_db(fields=computed)


def status_note(
    *,
    obj: models.Model,
    note: str,
    actor=None,
    actor_label: str = "",
    from_status: str | None = None,
) -> None:
    """An audit row that is not a status change (an edit, a merge, documents, a message
    held): from and to are the current status. `from_status=""` makes it the first row of
    an object just created in its first status."""
    _history_row(
        obj,
        from_status=obj.status if from_status is None else from_status,
        to_status=obj.status,
        actor=actor,
        actor_label=actor_label,
        note=note,
    )


def _history_row(
    obj: models.Model,
    *,
    from_status: str,
    to_status: str,
    actor,
    actor_label: str,
    note: str,
    history: type[StatusChangeBase] | None = None,
    link: str = "",
) -> StatusChangeBase:
    if history is None:
        rel = type(obj)._meta.get_field("status_changes")
        history, link = rel.related_model, rel.field.name
    return history.objects.create(
        **{link: obj},
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        # "system", or what acted for it, only when no person did
        actor_label="" if actor else (actor_label or "system"),
        note=note,
    )


# What acted when no person did, as the staff read it (the rows keep the stable code).
ACTOR_LABELS = {
    "system": _("system"),
    "policy": _("approval policy"),
    "sweeper": _("automatic recovery"),
    "outbox": _("outbox"),
    "loop protection": _("loop protection"),
    "categorizer": _("classifier"),
    "defesa": _("defence workflow"),
    "acesso": _("lab access workflow"),
    "collect_emails": _("mail collection"),
    "ingest_eml": _("message upload"),
}


class StatusHistoryInline(admin.TabularInline):
    """The read-only status history under an object's admin page."""

    extra = 0
    can_delete = False
    fields = ["at", "from_label", "to_label", "who", "note"]
    readonly_fields = fields
    verbose_name_plural = _("status history")

    def _label(self, value: str) -> str:
        """The status as staff read it ("Aguardando revisão"), from the parent's choices."""
        if not value:
            return "—"
        try:
            choices = dict(self.parent_model._meta.get_field("status").flatchoices)
        except FieldDoesNotExist:
            return value
        return str(choices.get(value, value))

    @admin.display(description=_("from"))
    def from_label(self, obj: StatusChangeBase) -> str:
        return self._label(obj.from_status)

    @admin.display(description=_("to"))
    def to_label(self, obj: StatusChangeBase) -> str:
        return self._label(obj.to_status)

    @admin.display(description=_("who"))
    def who(self, obj: StatusChangeBase) -> str:
        if obj.actor_id:
            return str(obj.actor)
        return str(ACTOR_LABELS.get(obj.actor_label, obj.actor_label))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def status_transition_bulk(
    *,
    queryset: models.QuerySet,
    from_status: str,
    to_status: str,
    history: type[StatusChangeBase],
    link: str,
    actor=None,
    actor_label: str = "",
    note: str = "",
    **fields,
) -> list[int]:
    """Move every row of `queryset` that is in `from_status` to `to_status` (setting
    `fields` with it) and write an audit row for each, in one UPDATE and one INSERT: for
    the paths where many rows change at once (a worker, a batch), where the caller's
    filter already says which transition is allowed. Rows another transaction changed
    first are left out. Returns the ids moved. `from_status == to_status` records an event
    that keeps the status (a draft held, with why)."""
    model = queryset.model
    with transaction.atomic():
        ids = list(
            queryset.filter(status=from_status)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        model.objects.filter(pk__in=ids).update(status=to_status, **fields)
        label = "" if actor else (actor_label or "system")
        history.objects.bulk_create(
            history(
                **{f"{link}_id": pk},
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                actor_label=label,
                note=note,
            )
            for pk in ids
        )
    return ids
