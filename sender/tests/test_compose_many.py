"""Composing many messages in one transaction (services.outbound_compose_many), and the
case key workflows ask the outbox about."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps

from emails import services as email_services
from sender import selectors, services
from sender.models import OutboundMessage, OutboundStatusChange
from testing.mail import make_raw

S = OutboundMessage.Status


def _specs(keys, **extra):
    return [
        {
            "email": None,
            "case_key": f"bulk:{key}",
            "purpose": "chamado",
            "to": f"pessoa{key}@ifes.edu.br",
            "subject": f"Aviso {key}",
            "body_text": f"Mensagem {key}",
            "automatic": False,
            "queue": True,
            **extra,
        }
        for key in keys
    ]


def test_a_batch_composed_twice_gives_the_same_messages(db):
    first = services.outbound_compose_many(_specs(range(5)))
    again = services.outbound_compose_many(_specs(range(5)))
    assert [m.pk for m in again] == [m.pk for m in first]
    assert OutboundMessage.objects.count() == 5
    assert OutboundStatusChange.objects.count() == 10  # composed, queued: once each


def test_overlapping_batches_and_a_key_twice_in_one_batch(db):
    first = services.outbound_compose_many(_specs([0, 1, 2]))
    second = services.outbound_compose_many(_specs([2, 3, 3, 4]))
    assert second[0].pk == first[2].pk
    assert second[1].pk == second[2].pk
    assert sorted(OutboundMessage.objects.values_list("case_key", flat=True)) == [
        f"bulk:{i}" for i in range(5)
    ]


def test_every_message_has_its_history_and_is_queued(db, admin_user):
    messages = services.outbound_compose_many(_specs(range(4), actor=admin_user))
    for message in messages:
        assert message.status == S.QUEUED
        rows = list(
            OutboundStatusChange.objects.filter(message=message).values_list(
                "from_status", "to_status", "actor"
            )
        )
        assert rows == [("", S.DRAFT, admin_user.pk), (S.DRAFT, S.QUEUED, admin_user.pk)]
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {S.QUEUED}


def test_one_delivery_is_asked_for_a_batch(db, monkeypatch, django_capture_on_commit_callbacks):
    import django_q.tasks

    queued_tasks = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda func, **kw: queued_tasks.append(func))
    automatic = _specs(range(3, 5), automatic=True, to="coordenacao@ifes.edu.br")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.outbound_compose_many(_specs(range(3)) + automatic)
    assert len(callbacks) == 1
    assert queued_tasks == ["sender.tasks.send_outbox"]


def test_a_batch_of_drafts_asks_for_no_delivery(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.outbound_compose_many(_specs(range(3), queue=False))
    assert callbacks == []
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {S.DRAFT}


def test_the_hourly_cap_counts_the_messages_of_the_batch(db, settings):
    """Automatic messages to one address: the cap holds those past it, even when they
    are all in the same batch."""
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 2
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br"]
    messages = services.outbound_compose_many(
        _specs(range(4), automatic=True, to="aluna@ifes.edu.br")
    )
    assert [m.status for m in messages] == [S.QUEUED, S.QUEUED, S.DRAFT, S.DRAFT]
    held = OutboundMessage.objects.get(pk=messages[3].pk)
    assert "aluna@ifes.edu.br" in held.held_reason


def test_an_outside_address_is_held_in_a_batch_too(db, settings):
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br"]
    messages = services.outbound_compose_many(
        _specs([0], automatic=True, to="alguem@gmail.example")
        + _specs([1], automatic=True, to="coordenacao@ifes.edu.br")
    )
    assert [m.status for m in messages] == [S.DRAFT, S.QUEUED]
    assert messages[0].held_reason


def test_a_message_knows_its_case(db):
    email, _ = email_services.email_ingest(raw=make_raw(from_="Maria <maria@aluno.br>"))
    by_email = services.outbound_compose(email=email, purpose="form_request", body_text="x")
    by_case = services.outbound_compose(
        email=email, case_key="defense:12", purpose="chamado", body_text="y", to="c@ifes.edu.br"
    )
    assert by_email.case_key == f"email:{email.pk}"
    assert by_case.case_key == "defense:12"
    assert list(selectors.case_messages(["defense:12"])) == [by_case]
    assert list(selectors.case_messages(["defense:12"], ["documents"])) == []
    assert list(selectors.case_messages(["defense:12", f"email:{email.pk}"], sent=True)) == []
    # "defense:1" is not a prefix match of "defense:12"
    assert not selectors.case_messages(["defense:1"]).exists()


def test_the_migration_fills_the_case_from_the_idempotency_key(db):
    messages = services.outbound_compose_many(_specs(range(3)))
    OutboundMessage.objects.update(case_key="")
    migration = importlib.import_module("sender.migrations.0005_outbound_case_key")
    from django.db import connection

    migration.case_keys_from_idempotency_keys(apps, SimpleNamespace(connection=connection))
    assert sorted(OutboundMessage.objects.values_list("case_key", flat=True)) == [
        m.case_key for m in messages
    ]
    assert messages[0].case_key == "bulk:0"


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_compose_each_message_once():
    """Two transactions composing overlapping batches at once: the unique key decides,
    each gets the one stored message, and only its own get a history."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("concurrent transactions need PostgreSQL")
    barrier = threading.Barrier(2)
    results = {}

    def compose(name, keys):
        try:
            barrier.wait()
            results[name] = [m.pk for m in services.outbound_compose_many(_specs(keys))]
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=compose, args=("a", range(0, 30))),
        threading.Thread(target=compose, args=("b", range(20, 50))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["a"][20:] == results["b"][:10]
    assert OutboundMessage.objects.count() == 50
    assert OutboundStatusChange.objects.filter(to_status=S.DRAFT).count() == 50
    assert OutboundStatusChange.objects.filter(to_status=S.QUEUED).count() == 50
