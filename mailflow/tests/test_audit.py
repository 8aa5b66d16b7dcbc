"""status_transition and status_note: the one way an object changes status, and its audit."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from emails import services
from emails.models import Email, StatusChange
from mailflow.audit import status_note, status_transition
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def _email() -> Email:
    email, _created = services.email_ingest(raw=make_raw(subject="Pedido de acesso"))
    return email


def test_the_fields_that_change_with_the_status_go_in_the_same_update(admin_user):
    email = _email()
    with CaptureQueriesContext(connection) as queries:
        status_transition(
            obj=email,
            status=Email.Status.NEEDS_REVIEW,
            **services.EMAIL_TRANSITIONS,
            actor=admin_user,
            note="a person looks",
            fields={"error": "assunto estranho"},
        )
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "emails_email"')]
    assert len(updates) == 1 and '"error"' in updates[0] and '"status"' in updates[0]
    assert (email.status, email.error) == ("needs_review", "assunto estranho")
    stored = Email.objects.get(pk=email.pk)
    assert (stored.status, stored.error) == ("needs_review", "assunto estranho")
    change = email.status_changes.order_by("-id").first()
    assert (change.from_status, change.to_status, change.actor, change.actor_label) == (
        "received",
        "needs_review",
        admin_user,
        "",
    )
    assert change.note == "a person looks"


def test_a_field_computed_by_the_database_is_read_back():
    email = _email()
    status_transition(
        obj=email,
        status=Email.Status.NEEDS_REVIEW,
        **services.EMAIL_TRANSITIONS,
        actor_label="categorizer",
        fields={"error": F("subject")},
    )
    assert email.error == "Pedido de acesso"
    assert Email.objects.get(pk=email.pk).error == "Pedido de acesso"
    assert email.status_changes.order_by("-id").first().actor_label == "categorizer"


def test_a_refused_transition_changes_nothing_and_says_why_in_portuguese():
    email = _email()
    status_transition(obj=email, status=Email.Status.PROCESSING, **services.EMAIL_TRANSITIONS)
    rows = StatusChange.objects.filter(email=email).count()
    with pytest.raises(services.TransitionNotAllowed) as refused:
        status_transition(
            obj=email,
            status=Email.Status.IGNORED,
            **services.EMAIL_TRANSITIONS,
            fields={"error": "should not be written"},
        )
    assert str(refused.value) == (
        "um email na situação “Em processamento” não pode passar a “Ignorado”"
    )
    stored = Email.objects.get(pk=email.pk)
    assert (stored.status, stored.error) == ("processing", "")
    assert StatusChange.objects.filter(email=email).count() == rows
    # what acted, when no person did and nothing was named
    assert email.status_changes.order_by("-id").first().actor_label == "system"


def test_the_history_model_may_still_be_named():
    email = _email()
    status_transition(
        obj=email,
        status=Email.Status.IGNORED,
        allowed=services.ALLOWED_TRANSITIONS,
        history=StatusChange,
        link="email",
        refused="%(current)s → %(target)s",
        error=services.TransitionNotAllowed,
        actor_label="loop protection",
    )
    change = StatusChange.objects.filter(email=email).order_by("-id").first()
    assert (change.from_status, change.to_status, change.actor_label) == (
        "received",
        "ignored",
        "loop protection",
    )


def test_status_note_records_without_changing(admin_user):
    email = _email()
    status_note(obj=email, actor=admin_user, actor_label="ignored with a person", note="edited")
    status_note(obj=email, note="first", from_status="")
    edit, first = email.status_changes.order_by("-id")[:2][::-1]
    assert (edit.from_status, edit.to_status, edit.actor, edit.actor_label, edit.note) == (
        "received",
        "received",
        admin_user,
        "",
        "edited",
    )
    assert (first.from_status, first.to_status, first.actor_label, first.note) == (
        "",
        "received",
        "system",
        "first",
    )
    assert Email.objects.get(pk=email.pk).status == "received"


@pytest.mark.django_db(transaction=True)
def test_it_takes_its_own_transaction_when_the_caller_has_none():
    """The row lock needs a transaction (PostgreSQL refuses SELECT ... FOR UPDATE in
    autocommit); a caller outside one (a task, the API) does not need to open it."""
    email = _email()
    status_transition(
        obj=email, status=Email.Status.DONE, **services.EMAIL_TRANSITIONS, actor_label="defesa"
    )
    assert Email.objects.get(pk=email.pk).status == "done"
