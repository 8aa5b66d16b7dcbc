"""Reads of the defence workflow, with their joins applied."""

from django.db.models import CharField, Exists, OuterRef, Prefetch, QuerySet, Value
from django.db.models.functions import Cast, Concat

from defesa import KIND
from defesa.models import CommitteeMember, DefenseRequest, GeneratedDocument
from emails.selectors import emails_awaiting_workflow, replies_awaiting_workflow
from mailflow import policy
from sender.selectors import case_messages

D = DefenseRequest.Status


def defense_list() -> QuerySet[DefenseRequest]:
    return (
        DefenseRequest.objects.select_related("email")
        .defer("email__raw", "email__body_html")
        .prefetch_related(
            Prefetch("members", queryset=CommitteeMember.objects.order_by("order", "id")),
            Prefetch("documents", queryset=GeneratedDocument.objects.order_by("id")),
        )
    )


def defense_get(*, defense_id: int) -> DefenseRequest:
    return defense_list().get(pk=defense_id)


def document_get(*, defense_id: int, document_id: int) -> GeneratedDocument:
    return GeneratedDocument.objects.get(pk=document_id, defense_id=defense_id)


# --- what each pipeline step has due ----------------------------------------------------


def open_due() -> list[int]:
    """Defesa emails with no request yet."""
    return list(
        emails_awaiting_workflow(kind=KIND)
        .filter(defense_requests__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


def answer_due() -> list[int]:
    """Emails that joined the case of a defence request and were not handled yet."""
    return list(
        replies_awaiting_workflow()
        .filter(case__defense_requests__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


def advance_due() -> list[int]:
    """Requests a dead worker left half-way: complete data still marked awaiting_data, or
    (automatic approval) awaiting_review."""
    ids = list(
        DefenseRequest.objects.filter(status=D.AWAITING_DATA, missing_fields=[])
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )
    if policy.is_automatic("MAILFLOW_DEFENSE_APPROVAL"):
        ids += list(
            DefenseRequest.objects.filter(status=D.AWAITING_REVIEW, missing_fields=[])
            .order_by("id")
            .values_list("id", flat=True)[:200]
        )
    return ids


def finish_due() -> list[int]:
    """Approved requests whose chamado and reply were both sent (one query)."""
    case = OuterRef("case_key")
    return list(
        DefenseRequest.objects.filter(status=D.APPROVED)
        .annotate(case_key=Concat(Value("defense:"), Cast("pk", CharField())))
        .filter(
            Exists(case_messages([case], ["chamado"], sent=True)),
            Exists(case_messages([case], ["documents"], sent=True)),
        )
        .order_by("pk")
        .values_list("id", flat=True)[:200]
    )
