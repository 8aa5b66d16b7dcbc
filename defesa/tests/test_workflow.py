"""The whole path, with the real servers: Dovecot delivers the professor's email, aiosmtpd
receives the form, the chamado and the reply."""

import io

import docx
import pytest

from defesa import services
from defesa.models import DefenseRequest
from defesa.tests.factories import (
    CHAMADO_TO,
    COMPLETE,
    INCOMPLETE,
    PROFESSOR,
    PROFESSOR_ADDRESS,
    raw_request,
)
from emails import services as email_services
from emails.models import Email
from pipeline import steps
from sender import delivery
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)


def _collect_and_run(imap_mailbox) -> None:
    result = email_services.mailbox_collect(mailbox=imap_mailbox)
    assert result.error == ""
    # The categorizer is tested on its own; here a person sets the kind of new requests.
    for email in Email.objects.filter(kind__isnull=True, case__isnull=True):
        email_services.email_set_kind(email=email, kind="defesa", confidence=0.99)
    steps.run_pending()


def _received(smtp_server, address):
    return [m.message() for m in smtp_server.messages if m.rcpt_tos == [address]]


def _attachment_names(message) -> list[str]:
    return sorted(part.get_filename() for part in message.iter_attachments())


def test_complete_request_ends_with_the_chamado_and_the_threaded_reply(
    dovecot_server, imap_account, imap_mailbox, smtp_settings, secretary
):
    dovecot_server.append(imap_account, raw_request(COMPLETE, message_id="<defesa-1@ifes.test>"))
    _collect_and_run(imap_mailbox)
    defense = DefenseRequest.objects.get()
    assert defense.status == "awaiting_review"
    assert smtp_settings.messages == []  # nothing before the review

    services.defense_approve(defense=defense, actor=secretary)
    assert delivery.outbox_send_due().sent == 2
    [chamado] = _received(smtp_settings, CHAMADO_TO)
    [reply] = _received(smtp_settings, PROFESSOR_ADDRESS)
    expected = sorted(defense.documents.values_list("filename", flat=True))
    assert len(expected) == 6
    assert _attachment_names(chamado) == expected == _attachment_names(reply)
    assert reply["In-Reply-To"] == "<defesa-1@ifes.test>"
    assert "<defesa-1@ifes.test>" in reply["References"]
    assert reply["Subject"] == "Re: Defesa de mestrado - Maria Souza"
    assert chamado["Auto-Submitted"] == "auto-replied"
    text = chamado.get_body(("plain",)).get_content()
    assert "Aluno(a): Maria Souza" in text and "Sala: 207" in text
    minutes = next(
        part for part in reply.iter_attachments() if "ata-aprovado" in part.get_filename()
    )
    document = docx.Document(io.BytesIO(minutes.get_content()))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "APROVADO" in body

    steps.run_pending()
    defense.refresh_from_db()
    assert defense.status == "sent"
    assert Email.objects.get(pk=defense.email_id).status == "done"


def test_incomplete_request_gets_the_form_and_the_answer_completes_it(
    dovecot_server, imap_account, imap_mailbox, smtp_settings, secretary
):
    dovecot_server.append(imap_account, raw_request(INCOMPLETE, message_id="<defesa-2@ifes.test>"))
    _collect_and_run(imap_mailbox)
    defense = DefenseRequest.objects.get()
    assert defense.status == "awaiting_data"
    assert delivery.outbox_send_due().sent == 1
    [form] = _received(smtp_settings, PROFESSOR_ADDRESS)
    assert form["In-Reply-To"] == "<defesa-2@ifes.test>"
    form_text = form.get_body(("plain",)).get_content()
    assert "Nome Completo Aluno: Maria Souza" in form_text
    assert "- o horário" in form_text

    # The professor answers on top of the quoted form, in the same thread.
    quoted = "\n".join("> " + line for line in form_text.splitlines())
    answer = make_raw(
        subject="Re: " + form["Subject"].removeprefix("Re: "),
        from_=PROFESSOR,
        body=(
            "Segue o que faltava.\n\nHorário: 14h30\n"
            "Membro Externo: Prof. Dr. Carlos Pereira (UFES)\n\n"
            "Em qua., 1 de out. de 2025 às 10:00, Secretaria escreveu:\n" + quoted
        ),
        message_id="<defesa-2-answer@ifes.test>",
        headers={"In-Reply-To": form["Message-ID"], "References": form["Message-ID"]},
    )
    dovecot_server.append(imap_account, answer)
    _collect_and_run(imap_mailbox)
    defense.refresh_from_db()
    reply_email = Email.objects.get(message_id="defesa-2-answer@ifes.test")
    assert reply_email.case_id == defense.email_id and reply_email.status == "done"
    assert defense.status == "awaiting_review"
    assert defense.time.strftime("%H:%M") == "14:30"
    assert defense.members.get(role="external").institution == "UFES"

    services.defense_approve(defense=defense, actor=secretary)
    assert delivery.outbox_send_due().sent == 2
    assert len(_received(smtp_settings, CHAMADO_TO)) == 1
    replies = _received(smtp_settings, PROFESSOR_ADDRESS)
    assert len(replies) == 2 and len(_attachment_names(replies[1])) == 6
    steps.run_pending()
    defense.refresh_from_db()
    assert defense.status == "sent"
