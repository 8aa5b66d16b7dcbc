"""The demo mailbox through the whole pipeline, as the trial's worker runs it."""

from email import message_from_bytes, policy

import pytest
from django.core.management import call_command

from acesso.models import AccessRequest
from defesa.models import DefenseRequest
from demo.services import demo_seed
from emails.models import Email
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db

# Each sample message: (kind, email status after processing).
EXPECTED = {
    "01-defesa-formulario": ("defesa", "processing"),
    "02-defesa-encaminhada-gmail": ("defesa", "processing"),
    "03-defesa-tabela-html": ("defesa", "processing"),
    "04-defesa-incompleta": ("defesa", "processing"),
    "05-acesso-aluna": ("acesso", "processing"),
    "06-acesso-assinatura": ("acesso", "processing"),
    "07-acesso-encaminhado-coordenacao": ("acesso", "processing"),
    "08-outro-seminario": ("outro", "ignored"),
    "09-outro-boletim": ("outro", "ignored"),
    "10-resposta-automatica": ("outro", "ignored"),
}


def outbox_files(var):
    return {
        path.name: message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in (var / "outbox").glob("*.eml")
    }


def test_the_demo_is_classified_and_processed(trial):
    demo_seed()
    call_command("collect_emails")
    call_command("process_pending")

    found = {e.source_key: (e.kind, e.status) for e in Email.objects.all()}
    assert found == EXPECTED
    forwarded = dict(
        Email.objects.filter(forwarded=True).values_list("source_key", "original_from_address")
    )
    assert forwarded == {
        "02-defesa-encaminhada-gmail": "diego.nogueira@aluno.ifes.example",
        "07-acesso-encaminhado-coordenacao": "helena.farias@aluno.ifes.example",
    }
    automatic = set(Email.objects.filter(auto_generated=True).values_list("source_key", flat=True))
    assert automatic == {"09-outro-boletim", "10-resposta-automatica"}

    defenses = {d.student: d for d in DefenseRequest.objects.prefetch_related("members")}
    assert {name: d.status for name, d in defenses.items()} == {
        "Bruna Cardoso Vieira": "awaiting_review",
        "Diego Nogueira Farias": "awaiting_review",
        "Larissa Moreira Dias": "awaiting_review",
        "Igor Barbosa Teixeira": "awaiting_data",
    }
    assert defenses["Igor Barbosa Teixeira"].missing_fields == ["time", "external"]
    html_table = defenses["Larissa Moreira Dias"]
    assert (html_table.room, str(html_table.date), str(html_table.time)) == (
        "105",
        "2027-02-05",
        "10:00:00",
    )
    assert {(m.role, m.name, m.institution) for m in html_table.members.all()} == {
        ("advisor", "Tiago Ribeiro", ""),
        ("internal", "Rafael Araújo", ""),
        ("external", "Júlia Gonçalves", "UFRJ"),
    }
    gmail = defenses["Diego Nogueira Farias"]
    assert (gmail.room, gmail.link) == (
        "Virtual",
        "https://meet.ppcomp.example/defesa-diego-farias",
    )

    access = dict(AccessRequest.objects.values_list("login", "status"))
    assert access == {
        "fernanda.dias": "awaiting_approval",
        "mateus.araujo": "awaiting_approval",
        "helena.farias": "awaiting_approval",
    }


def test_the_incomplete_defence_gets_its_form_as_a_file_in_the_outbox(trial):
    demo_seed()
    call_command("collect_emails")
    call_command("process_pending")
    call_command("send_outbox")

    incomplete = Email.objects.get(source_key="04-defesa-incompleta")
    sent = outbox_files(trial)
    [form] = [m for m in sent.values() if m["To"] == "pedro.almeida@ifes.example"]
    assert form["Subject"] == "Re: Registro de defesa - Igor Barbosa Teixeira"
    assert form["In-Reply-To"] == f"<{incomplete.message_id}>"
    assert form["From"] == "Secretaria PPComp <secretaria@ppcomp.example>"
    text = form.get_body(("plain",)).get_content()
    assert "Nome Completo Aluno: Igor Barbosa Teixeira" in text
    assert "Membro Externo:" in text
    # One authorisation request per lab access request, to the trial's coordinator.
    to_coordination = [m for m in sent.values() if m["To"] == "coordenacao@ppcomp.example"]
    assert len(to_coordination) == 3
    # Every file is named by its message's Message-ID, and the outbox says it was sent.
    for name, message in sent.items():
        assert name == message["Message-ID"].strip("<>") + ".eml"
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert OutboundMessage.objects.count() == len(sent) == 4
