"""From the student's email to credentials that open every lab machine."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from acesso import services
from acesso.models import AccessRequest
from acesso.tests.lab import logs_in, trust_lab
from emails import services as email_services
from pipeline import steps
from sender import delivery
from sender.models import OutboundMessage
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)

BODY = (
    "Olá, secretaria!\nSou aluna nova do mestrado e preciso de acesso aos computadores do "
    "laboratório.\n\nNome completo: Maria Souza\nMatrícula: 20251MPCA0012\n\n"
    "Atenciosamente,\nMaria Souza"
)


@pytest.fixture
def lab(lab_network, settings):
    return trust_lab(lab_network, settings, coordinator="coordenacao.ppcomp@ifes.edu.br")


def _request_email():
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Acesso ao laboratório",
            body=BODY,
            from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
        )
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    return email


def _opened(email) -> AccessRequest:
    totals = steps.run_pending()
    assert totals.get("acesso_open") == 1
    return AccessRequest.objects.get(email=email)


def test_credentials_received_by_smtp_open_every_machine(lab, smtp_settings):
    email = _request_email()
    request = _opened(email)
    assert (request.student_name, request.student_email, request.login) == (
        "Maria Souza",
        "maria.souza@aluno.ifes.edu.br",
        "maria.souza",
    )
    assert request.status == "awaiting_approval"
    email.refresh_from_db()
    assert email.status == "processing"

    coordinator = get_user_model().objects.create_user("coord", is_staff=True)
    services.access_approve(request=request, actor=coordinator)
    request.refresh_from_db()
    assert request.status == "credentials_queued" and request.decided_by == coordinator
    assert request.password_encrypted == ""
    email.refresh_from_db()
    assert email.status == "processing"  # not answered until the credentials leave
    assert steps.run_pending().get("acesso_finish") is None
    # the authorisation request to the coordinator, the credentials and their copy
    assert delivery.outbox_send_due().sent == 3
    assert steps.run_pending().get("acesso_finish") == 1
    request.refresh_from_db()
    assert request.status == "sent"
    assert request.status_changes.latest("id").actor_label == "outbox"
    email.refresh_from_db()
    assert email.status == "done"
    student_mail = next(
        m.message()
        for m in smtp_settings.messages
        if m.rcpt_tos == ["maria.souza@aluno.ifes.edu.br"]
    )
    text = student_mail.get_body(("plain",)).get_content()
    password = re.search(r"Senha: (\S+)", text).group(1)
    assert "Login: maria.souza" in text
    assert student_mail["In-Reply-To"] == f"<{email.message_id}>"
    to_coordinator = [
        m.message().get_body(("plain",)).get_content()
        for m in smtp_settings.messages
        if m.rcpt_tos == ["coordenacao.ppcomp@ifes.edu.br"]
    ]
    assert len(to_coordinator) == 2
    assert all("maria.souza" in text and password not in text for text in to_coordinator)
    for machine in lab.machines:
        assert logs_in(machine, "maria.souza", password)
    # after delivery the password is nowhere in the database
    with connection.cursor() as cursor:
        for table in (
            "acesso_accessrequest",
            "acesso_provisioning",
            "sender_outboundmessage",
            "sender_outboundstatuschange",
        ):
            cursor.execute(f"SELECT * FROM {table}")
            assert password not in repr(cursor.fetchall()), table
    assert all(m.secrets_encrypted == "" for m in OutboundMessage.objects.all())


def test_a_failed_machine_holds_the_credentials_until_retry(lab, smtp_settings):
    request = _opened(_request_email())
    lab.machines[0].stop()
    coordinator = get_user_model().objects.create_user("coord", is_staff=True)
    services.access_approve(request=request, actor=coordinator)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    assert not OutboundMessage.objects.filter(purpose="credentials").exists()
    lab.machines[0].start()
    services.access_retry(request=request)
    request.refresh_from_db()
    assert request.status == "provisioned"
    services.access_send_credentials(request=request)
    assert delivery.outbox_send_due().sent == 3  # with the authorisation request


def test_denial_needs_a_reason_and_reaches_the_student(lab, smtp_settings):
    request = _opened(_request_email())
    coordinator = get_user_model().objects.create_user("coord", is_staff=True)
    with pytest.raises(services.AccessError):
        services.access_deny(request=request, actor=coordinator, reason="  ")
    services.access_deny(
        request=request, actor=coordinator, reason="O laboratório está em manutenção até março."
    )
    request.refresh_from_db()
    assert request.status == "denied"
    assert delivery.outbox_send_due().sent == 2  # the authorisation request, the denial
    [received] = [
        m for m in smtp_settings.messages if m.rcpt_tos == ["maria.souza@aluno.ifes.edu.br"]
    ]
    assert "manutenção até março" in received.message().get_body(("plain",)).get_content()
    assert all(
        m.run_inside("getent", "passwd", "maria.souza").returncode != 0 for m in lab.machines
    )


def test_another_person_with_the_same_name_gets_a_suffix(lab):
    first = _opened(_request_email())
    other, _ = email_services.email_ingest(
        raw=make_raw(subject="Acesso lab", body="Nome: Maria Souza\n", from_="maria.s@gmail.com")
    )
    email_services.email_set_kind(email=other, kind="acesso", confidence=0.9)
    steps.run_pending()
    second = AccessRequest.objects.get(email=other)
    assert (first.login, second.login) == ("maria.souza", "maria.souza2")


def _coordinator_answers(smtp_server, text, sender="coordenacao.ppcomp@ifes.edu.br", headers=None):
    """Send our queued messages, then ingest the coordinator's answer: a direct reply to our
    question (In-Reply-To names its Message-ID, which carries the token) unless `headers`
    say otherwise."""
    delivery.outbox_send_due()
    ask = next(
        m.message()
        for m in smtp_server.messages
        if m.rcpt_tos == ["coordenacao.ppcomp@ifes.edu.br"]
    )
    if headers is None:
        headers = {"In-Reply-To": ask["Message-ID"], "References": ask["Message-ID"]}
    reply, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Re: " + ask["Subject"],
            from_=sender,
            body=text + "\n\nEm seg., 3 de mar. de 2025 às 10:12, Secretaria escreveu:\n> ...",
            headers=headers,
        )
    )
    steps.run_pending()
    reply.refresh_from_db()
    return reply


@pytest.mark.parametrize("answer", ["Autorizado.", "AUTORIZADA!"])
def test_coordinator_authorises_by_email(lab, smtp_settings, answer):
    request = _opened(_request_email())
    reply = _coordinator_answers(smtp_settings, answer)
    request.refresh_from_db()
    assert request.status == "credentials_queued"
    assert reply.case_id == request.email_id and reply.status == "done"
    assert OutboundMessage.objects.filter(purpose="credentials", status="queued").exists()


def test_coordinator_denies_by_email_with_the_reason(lab, smtp_settings):
    request = _opened(_request_email())
    _coordinator_answers(smtp_settings, "Negado: a aluna ainda não concluiu a matrícula.")
    request.refresh_from_db()
    assert request.status == "denied"
    assert request.denial_reason == "a aluna ainda não concluiu a matrícula."
    denial = OutboundMessage.objects.get(purpose="denial")
    assert "ainda não concluiu a matrícula" in denial.body_text


@pytest.mark.parametrize(
    "headers",
    [{}, {"In-Reply-To": "<chute-1234@ppcomp.example>", "References": "<outro@x.example>"}],
    ids=["by subject only", "another thread"],
)
def test_an_authorisation_not_threaded_to_our_request_waits_for_the_admin(
    lab, smtp_settings, headers
):
    """A forged "Autorizado" with the coordinator's From and the predictable subject, but
    not in reply to our authorisation request's Message-ID (which only the coordinator
    received): it decides nothing."""
    request = _opened(_request_email())
    forged = _coordinator_answers(smtp_settings, "Autorizado", headers=headers)
    request.refresh_from_db()
    assert request.status == "awaiting_approval"
    assert forged.status == "needs_review"
    assert not OutboundMessage.objects.filter(purpose="credentials").exists()


@pytest.mark.parametrize(
    ("answer", "sender", "why"),
    [
        ("Pode ser, depois vejo.", "coordenacao.ppcomp@ifes.edu.br", "a primeira linha"),
        ("autorizado, obrigado", "coordenacao.ppcomp@ifes.edu.br", "a primeira linha"),
        ("Autorizado?", "coordenacao.ppcomp@ifes.edu.br", "a primeira linha"),
        ("Negado:", "coordenacao.ppcomp@ifes.edu.br", "a primeira linha"),
        ("Autorizado", "outra.pessoa@ifes.edu.br", "não veio do endereço da coordenação"),
    ],
)
def test_anything_else_waits_for_the_admin(lab, smtp_settings, answer, sender, why):
    request = _opened(_request_email())
    reply = _coordinator_answers(smtp_settings, answer, sender=sender)
    request.refresh_from_db()
    assert request.status == "awaiting_approval"
    assert reply.status == "needs_review"
    assert why in reply.status_changes.order_by("-id").first().note


def test_a_sender_named_root_never_becomes_a_request(lab):
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Acesso ao laboratório",
            body="Preciso de acesso aos computadores do laboratório.",
            from_="Root da <evil@attacker.example>",
        )
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    email.refresh_from_db()
    assert not AccessRequest.objects.exists()
    assert email.status == "needs_review"
    note = email.status_changes.order_by("-id").first().note
    assert "o login “root” pertence ao sistema" in note
    assert not OutboundMessage.objects.exists()
