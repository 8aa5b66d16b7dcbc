"""Reads of the defence workflow, with their joins applied."""

from django.db.models import Prefetch, QuerySet

from defesa.models import CommitteeMember, DefenseRequest, GeneratedDocument


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
