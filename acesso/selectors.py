"""Reads of the lab access workflow: what each pipeline step has due, and what a page
shows of a request."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from acesso import KIND
from acesso.models import AccessRequest, LabAccountCheck
from emails.selectors import emails_awaiting_workflow, replies_awaiting_workflow
from mailflow import policy
from sender.selectors import case_messages

R = AccessRequest.Status


def access_case_key(request_id: int) -> str:
    """The request's case in the outbox."""
    return f"access:{request_id}"


def open_due() -> list[int]:
    """Acesso emails with no request yet."""
    return list(
        emails_awaiting_workflow(kind=KIND)
        .filter(access_requests__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


def decision_due() -> list[int]:
    """Answers in the case of a request awaiting the coordinator (the decision, perhaps)."""
    return list(
        replies_awaiting_workflow()
        .filter(case__access_requests__status=R.AWAITING_APPROVAL)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


def request_stuck(request: AccessRequest) -> bool:
    """No status change for MAILFLOW_STUCK_SECONDS: a worker may have died half-way."""
    last = request.status_changes.order_by("-at", "-id").values_list("at", flat=True).first()
    deadline = timezone.now() - timedelta(seconds=settings.MAILFLOW_STUCK_SECONDS)
    return last is None or last < deadline


def advance_due() -> list[int]:
    """Requests the policy approves by itself, and requests a dead worker left half-way
    (authorised but no account yet, accounts half made, made but not sent)."""
    wanted = [R.APPROVED, R.PROVISIONING, R.PROVISIONED]
    if policy.is_automatic("MAILFLOW_ACCESS_APPROVAL"):
        wanted.append(R.AWAITING_APPROVAL)
    ids = []
    for request in AccessRequest.objects.filter(status__in=wanted).order_by("id")[:200]:
        if request.status == R.AWAITING_APPROVAL or request_stuck(request):
            ids.append(request.pk)
    return ids


def finish_due() -> list[int]:
    """Requests whose credentials the outbox has sent."""
    waiting = list(
        AccessRequest.objects.filter(status=R.CREDENTIALS_QUEUED).values_list("id", flat=True)[:200]
    )
    sent = set(
        case_messages(
            [access_case_key(i) for i in waiting], ["credentials"], sent=True
        ).values_list("case_key", flat=True)
    )
    return [i for i in waiting if access_case_key(i) in sent]


def existing_accounts(request: AccessRequest) -> list[LabAccountCheck]:
    """The computers where the request's login exists, or that could not be asked."""
    login = request.approved_login or request.login
    return [
        check
        for check in request.account_checks.select_related("host").filter(login=login)
        if check.exists or check.result == LabAccountCheck.Result.ERROR
    ]
