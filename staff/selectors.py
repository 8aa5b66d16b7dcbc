"""Reads for the admin home: what waits for whom, each mailbox's last collection and the
requests per week. Each model is read once (one aggregate), whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_permission_codename
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from acesso.models import AccessRequest
from defesa.models import DefenseRequest
from emails.models import Email, Mailbox
from pipeline import kinds
from sender.models import OutboundMessage

WEEKS = 8


@dataclass(frozen=True)
class WaitingLine:
    """How many rows of a model are in a status, and the admin list showing them."""

    label: str
    count: int
    url: str
    model: str  # "app_label.model_name"
    status: str


@dataclass(frozen=True)
class WaitingBox:
    key: str
    title: str
    lines: list[WaitingLine]

    @property
    def total(self) -> int:
        return sum(line.count for line in self.lines)


@dataclass(frozen=True)
class WeekCount:
    """Emails received in the week starting on `start` (a Monday), per kind."""

    start: dt.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def per_kind(self) -> list[tuple[str, int]]:
        return [(kind, self.counts.get(kind, 0)) for kind in kinds.kind_codes()]


# (key, title, [(model, status, label; None: the model's plural name)]), in the order shown.
WAITING_BOXES: list[tuple[str, str, list[tuple[type[models.Model], str, str | None]]]] = [
    (
        "review",
        _("Awaiting review"),
        [
            (DefenseRequest, DefenseRequest.Status.AWAITING_REVIEW, None),
            (Email, Email.Status.NEEDS_REVIEW, None),
        ],
    ),
    (
        "authorisation",
        _("Awaiting authorisation"),
        [(AccessRequest, AccessRequest.Status.AWAITING_APPROVAL, None)],
    ),
    (
        "data",
        _("Awaiting data"),
        [(DefenseRequest, DefenseRequest.Status.AWAITING_DATA, None)],
    ),
    (
        "send-failures",
        _("Sending failures"),
        [
            (OutboundMessage, OutboundMessage.Status.FAILED, _("failed messages")),
            (OutboundMessage, OutboundMessage.Status.UNCERTAIN, _("uncertain messages")),
        ],
    ),
    (
        "drafts",
        _("Drafts to approve"),
        [(OutboundMessage, OutboundMessage.Status.DRAFT, _("draft messages"))],
    ),
]


def user_can_view(*, user, model: type[models.Model]) -> bool:
    """The admin's rule: view or change permission on the model."""
    opts = model._meta
    return any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


def changelist_url(*, model: type[models.Model], status: str) -> str:
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode({'status__exact': status})}"


def status_counts(*, model: type[models.Model], statuses: list[str]) -> dict[str, int]:
    """{status: rows} for the given statuses, in one query (the status index does the
    filtering; each count is an aggregate over the few matching rows)."""
    if not statuses:
        return {}
    row = model.objects.filter(status__in=statuses).aggregate(
        **{f"n_{status}": Count("pk", filter=Q(status=status)) for status in statuses}
    )
    return {status: row[f"n_{status}"] for status in statuses}


def waiting_boxes(*, user) -> list[WaitingBox]:
    """What waits for whom, limited to the models `user` may view: one query per model."""
    wanted: dict[type[models.Model], list[str]] = {}
    for _key, _title, lines in WAITING_BOXES:
        for model, status, _label in lines:
            if model not in wanted and not user_can_view(user=user, model=model):
                continue
            wanted.setdefault(model, [])
            if status not in wanted[model]:
                wanted[model].append(status)
    counts = {model: status_counts(model=model, statuses=st) for model, st in wanted.items()}
    boxes = []
    for key, title, lines in WAITING_BOXES:
        shown = [
            WaitingLine(
                label=capfirst(label or model._meta.verbose_name_plural),
                count=counts[model][status],
                url=changelist_url(model=model, status=status),
                model=model._meta.label_lower,
                status=status,
            )
            for model, status, label in lines
            if model in counts
        ]
        if shown:
            boxes.append(WaitingBox(key=key, title=title, lines=shown))
    return boxes


def mailbox_collections() -> QuerySet[Mailbox]:
    """The mailboxes that are collected from (active, not the manual-upload kind), with
    their last collection and last error."""
    return (
        Mailbox.objects.filter(active=True)
        .exclude(protocol=Mailbox.Protocol.MANUAL)
        .only("name", "protocol", "last_polled_at", "last_success_at", "last_error")
        .order_by("name")
    )


def requests_per_week(*, weeks: int = WEEKS, today: dt.date | None = None) -> list[WeekCount]:
    """Classified emails received per week (Monday to Sunday, local time) and kind, for
    the last `weeks` weeks including the current one, oldest first; one query."""
    today = today or timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    mondays = [this_monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    since = timezone.make_aware(dt.datetime.combine(mondays[0], dt.time.min))
    rows = (
        Email.objects.filter(received_at__gte=since, kind__isnull=False)
        .annotate(week=TruncWeek("received_at", output_field=models.DateField()))
        .values_list("week", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[dt.date, dict[str, int]] = {monday: {} for monday in mondays}
    for week, kind, n in rows:
        if week in counts:
            counts[week][kind] = n
    return [
        WeekCount(start=monday, counts={k: counts[monday].get(k, 0) for k in kinds.kind_codes()})
        for monday in mondays
    ]


@dataclass(frozen=True)
class Dashboard:
    waiting: list[WaitingBox]
    # None: the user may not see them.
    mailboxes: QuerySet[Mailbox] | None
    weeks: list[WeekCount] | None


def dashboard_get(*, user) -> Dashboard:
    """Everything the admin home shows `user`, only for models they may view."""
    can_see_emails = user_can_view(user=user, model=Email)
    return Dashboard(
        waiting=waiting_boxes(user=user),
        mailboxes=mailbox_collections() if user_can_view(user=user, model=Mailbox) else None,
        weeks=requests_per_week() if can_see_emails else None,
    )
