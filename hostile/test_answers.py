"""Who mailflow answers (issue #15, hole 1 and the first and last items of hole 7).

Each message goes in through `ingest_eml`, is classified and processed by
`process_pending`, and the outbox delivers with `send_outbox` to a real SMTP server
(aiosmtpd): the tests read who really received what.
"""

from __future__ import annotations

import email.policy
import io
from email import message_from_bytes
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from acesso import services as access_services
from acesso.models import AccessRequest, LabHost
from defesa.models import DefenseRequest
from emails.models import Email
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).parent / "messages"
COORDINATOR = "coordenacao.ppcomp@ifes.edu.br"
S = OutboundMessage.Status


@pytest.fixture
def answers(settings, smtp_settings, tmp_path):
    """The program as a campus runs it: the secretariat at ifes.edu.br, students at
    aluno.ifes.edu.br, the form and the credentials sent without a person, the coordinator
    authorising lab accounts, lab computers in dry-run mode. Returns the SMTP server."""
    from categorizer import services as categorizer

    settings.DEFAULT_FROM_EMAIL = "Secretaria PPComp <secretaria.ppcomp@ifes.edu.br>"
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br", "aluno.ifes.edu.br"]
    settings.MAILFLOW_COORDINATOR_EMAIL = COORDINATOR
    settings.MAILFLOW_CHAMADO_TO = "chamados.ppcomp@ifes.edu.br"
    settings.MAILFLOW_FORM_REQUEST_APPROVAL = "automatic"
    settings.MAILFLOW_ACCESS_APPROVAL = "coordinator"
    settings.MAILFLOW_CREDENTIALS_APPROVAL = "automatic"
    settings.MEDIA_ROOT = tmp_path / "media"
    LabHost.objects.create(name="lab-01", address="192.0.2.1", dry_run=True)
    categorizer.model_train()
    return smtp_settings


def _ingest(tmp_path, name: str, **headers: str) -> Email:
    """The message file through `ingest_eml`; `headers` replace some of its headers (so one
    file stands for many senders)."""
    raw = (MESSAGES / name).read_bytes()
    if headers:
        message = message_from_bytes(raw, policy=email.policy.default)
        for header, value in headers.items():
            header = header.replace("_", "-")
            del message[header]
            message[header] = value
        raw = message.as_bytes()
    path = tmp_path / f"in-{Email.objects.count()}.eml"
    path.write_bytes(raw)
    call_command("ingest_eml", str(path), stdout=io.StringIO())
    return Email.objects.latest("id")


def _process_and_send() -> None:
    call_command("process_pending", stdout=io.StringIO())
    call_command("send_outbox", stdout=io.StringIO())


def _received(server) -> list[tuple[list[str], str]]:
    """(envelope recipients, subject) of every message the SMTP server got."""
    return [(sorted(m.rcpt_tos), m.message()["Subject"] or "") for m in server.messages]


def _all_recipients(server) -> set[str]:
    return {address for m in server.messages for address in m.rcpt_tos}


# --- Reply-To --------------------------------------------------------------------------


def test_a_reply_to_of_60_addresses_gets_nothing_the_sender_gets_the_form(answers, tmp_path):
    request = _ingest(tmp_path, "answers-reply-to-fan-out.eml")
    assert len(request.reply_to.split(",")) == 60
    _process_and_send()

    defense = DefenseRequest.objects.get(email=request)
    assert defense.status == "awaiting_data"
    subject = "Re: Registro de defesa de mestrado - Gustavo Dias Moreira"
    assert _received(answers) == [(["roberto.mendes@gmail.example"], subject)]
    form = OutboundMessage.objects.get(purpose="form_request")
    assert (form.to, form.cc, form.status) == ("roberto.mendes@gmail.example", "", S.SENT)
    # staff can see why the Reply-To was left out
    composed = form.status_changes.order_by("id").first()
    assert "Reply-To" in composed.note and "60" in composed.note


def test_a_reply_to_in_a_trusted_domain_is_answered_there(answers, tmp_path):
    """The allowed case (also what mailflow did before): one Reply-To, in a trusted domain."""
    _ingest(tmp_path, "answers-reply-to-trusted.eml")
    _process_and_send()
    [(recipients, _subject)] = _received(answers)
    assert recipients == ["roberto.mendes@ifes.edu.br"]


def test_a_trusted_reply_to_beside_an_outside_one_is_not_used(answers, tmp_path):
    _ingest(tmp_path, "answers-reply-to-mixed.eml")
    _process_and_send()
    [(recipients, _subject)] = _received(answers)
    assert recipients == ["roberto.mendes@gmail.example"]


# --- an address read from the body -------------------------------------------------------


def _approved_with_held_credentials(answers, tmp_path) -> AccessRequest:
    request_email = _ingest(tmp_path, "answers-body-email-override.eml")
    _process_and_send()
    access = AccessRequest.objects.get(email=request_email)
    # recorded as written, for staff to see
    assert access.student_email == "coleta.de.senhas@fora.example"
    assert access.status == "awaiting_approval"
    # the authorisation request reached the coordinator
    assert _all_recipients(answers) == {COORDINATOR}
    return access


def test_credentials_never_go_to_an_outside_address_read_from_the_body(
    answers, tmp_path, admin_client, admin_user
):
    access = _approved_with_held_credentials(answers, tmp_path)
    # the coordinator is warned before deciding
    question = OutboundMessage.objects.get(purpose="authorisation_request")
    assert "coleta.de.senhas@fora.example não é o remetente do pedido" in question.body_text
    assert "aguardarão no mailflow" in question.body_text
    coordinator = get_user_model().objects.create_user("coord", is_staff=True)
    access_services.access_approve(request=access, actor=coordinator)
    _process_and_send()

    assert "coleta.de.senhas@fora.example" not in _all_recipients(answers)
    credentials = OutboundMessage.objects.get(purpose="credentials")
    assert credentials.status == S.DRAFT
    assert credentials.to == "coleta.de.senhas@fora.example"
    assert "coleta.de.senhas@fora.example" in credentials.held_reason
    assert "domínio confiável" in credentials.held_reason  # pt-BR, for the secretariat
    access.refresh_from_db()
    assert access.status == "credentials_queued"
    assert "aguardam" in access.status_changes.latest("id").note
    # the request's admin page says why the credentials wait
    page = admin_client.get(reverse("admin:acesso_accessrequest_change", args=[access.pk]))
    assert "não é o remetente do pedido nem é de um domínio confiável" in page.content.decode()
    # a person who checked the address may still send it
    from sender import services as outbox

    outbox.outbound_approve(message=credentials, actor=admin_user)
    _process_and_send()
    assert "coleta.de.senhas@fora.example" in _all_recipients(answers)


def test_a_denial_never_goes_to_an_outside_address_read_from_the_body(answers, tmp_path):
    access = _approved_with_held_credentials(answers, tmp_path)
    coordinator = get_user_model().objects.create_user("coord", is_staff=True)
    access_services.access_deny(request=access, actor=coordinator, reason="Não é aluno.")
    _process_and_send()

    assert _all_recipients(answers) == {COORDINATOR}
    denial = OutboundMessage.objects.get(purpose="denial")
    assert denial.status == S.DRAFT and "coleta.de.senhas@fora.example" in denial.held_reason
    assert "aguarda" in access.status_changes.latest("id").note
    # the case's email says the denial did not leave, rather than "sent"
    assert access.email.status_changes.latest("id").note == "negativa retida na caixa de saída"


# --- caps --------------------------------------------------------------------------------


def test_the_global_hourly_cap_holds_the_rest(answers, tmp_path, settings):
    settings.MAILFLOW_OUTBOX_GLOBAL_HOURLY_CAP = 3
    for n in range(5):
        _ingest(
            tmp_path,
            "answers-incomplete-defence.eml",
            From=f"Professor {n} <professor{n}@ifes.edu.br>",
            Message_ID=f"<answers-global-{n}@ifes.edu.br>",
        )
    _process_and_send()

    assert len(answers.messages) == 3
    held = OutboundMessage.objects.filter(status=S.DRAFT)
    assert held.count() == 2
    assert all("nesta hora" in m.held_reason for m in held)


def test_one_sender_gets_only_so_many_requests_answered_an_hour(answers, tmp_path, settings):
    """Each access request from the outsider asks the coordinator: the per-recipient cap
    does not apply to the coordinator, the per-sender cap does."""
    settings.MAILFLOW_OUTBOX_SENDER_HOURLY_CAP = 2
    for n in range(4):
        _ingest(
            tmp_path,
            "answers-outsider-access.eml",
            Message_ID=f"<answers-sender-{n}@fora.example>",
            Subject=f"Acesso aos computadores do laboratório ({n})",
        )
    _process_and_send()

    assert len(answers.messages) == 2
    held = OutboundMessage.objects.filter(purpose="authorisation_request", status=S.DRAFT)
    assert held.count() == 2
    assert all("igor.teixeira@fora.example" in m.held_reason for m in held)


def test_outsiders_cannot_exhaust_the_coordinators_cap(answers, tmp_path, settings):
    """Five outsiders' access requests in an hour (the per-recipient cap is 5): the sixth,
    a real student's, still gets its authorisation request to the coordinator."""
    assert settings.MAILFLOW_OUTBOX_HOURLY_CAP == 5
    for n in range(5):
        _ingest(
            tmp_path,
            "answers-outsider-access.eml",
            From=f"Fulano {n} <fulano{n}@fora{n}.example>",
            Message_ID=f"<answers-outsider-{n}@fora.example>",
        )
    _process_and_send()
    student = _ingest(tmp_path, "answers-student-access.eml")
    _process_and_send()

    access = AccessRequest.objects.get(email=student)
    asked = OutboundMessage.objects.get(idempotency_key=f"access:{access.pk}:authorisation_request")
    assert (asked.status, asked.held_reason) == (S.SENT, "")
    to_coordinator = [m for m in answers.messages if m.rcpt_tos == [COORDINATOR]]
    assert len(to_coordinator) == 6
    assert any("Larissa Cardoso Vieira" in m.message()["Subject"] for m in to_coordinator)


# --- a 300-character name ----------------------------------------------------------------


def test_a_300_character_name_is_cut_on_a_word_without_a_trailing_space(answers, tmp_path):
    request_email = _ingest(tmp_path, "answers-long-name.eml")
    name = request_email.from_name
    assert len(name) == 300
    _process_and_send()

    access = AccessRequest.objects.get(email=request_email)
    assert len(access.student_name) <= 200
    assert access.student_name == access.student_name.strip()
    assert name.startswith(access.student_name)
    # cut between two words, never inside one
    assert name[len(access.student_name)] == " "
