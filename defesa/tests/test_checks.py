"""Where a defence request's values came from, and what a person must check first."""

import pytest

from defesa import services
from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, defense_email
from pipeline import steps

pytestmark = pytest.mark.django_db

PROSE = (
    "Boa tarde,\n\nPeço o agendamento da defesa da minha orientanda Maria Souza. A "
    "dissertação, intitulada Detecção de anomalias em redes com aprendizado profundo, será "
    "defendida no dia 15 de outubro de 2025, às 14 horas, na sala 207. A banca contará "
    "comigo na presidência, com a colega Ana Lima Reis, do programa, e com o professor "
    "Carlos Pereira Dias, da UFES.\n\nAtt.,\nJoão\n"
)


def _opened(body: str) -> DefenseRequest:
    email = defense_email(body)
    steps.run_pending()
    return DefenseRequest.objects.get(email=email)


def test_a_request_in_prose_keeps_its_sources_and_marks(settings):
    settings.MAILFLOW_DEFENSE_APPROVAL = "automatic"
    defense = _opened(PROSE)
    assert defense.missing_fields == []
    text = defense.email.body_text
    title = defense.provenance["title"]
    assert text[title["start"] : title["end"]] == defense.title
    assert defense.checks["title"] == "prose"
    assert defense.checks["student"] == "prose"  # the form reader read it from a sentence
    # automatic approval holds back a request with values to check
    assert defense.status == "awaiting_review"
    note = defense.status_changes.order_by("id").first().note
    assert "verificar" in note and "título" in note and "prose" not in note


def test_a_form_goes_out_under_automatic_approval(settings):
    settings.MAILFLOW_DEFENSE_APPROVAL = "automatic"
    defense = _opened(COMPLETE)
    assert defense.checks == {}
    assert defense.status == "approved"


def test_what_staff_type_is_theirs(secretary):
    defense = _opened(PROSE)
    before = services.defense_data(defense)
    defense.title = "Detecção de anomalias em redes industriais"
    defense.save(update_fields=["title"])
    services.defense_edited(defense=defense, before=before, actor=secretary)
    defense.refresh_from_db()
    assert "title" not in defense.checks
    assert defense.provenance["title"] == {
        "start": None,
        "end": None,
        "rule": "staff",
        "check": "",
    }
    assert "member:0" in defense.checks  # the others still wait for a look


def test_a_person_checks_every_mark_at_once(settings, secretary):
    settings.MAILFLOW_DEFENSE_APPROVAL = "automatic"
    defense = _opened(PROSE)
    services.defense_checked(defense=defense, actor=secretary)
    defense.refresh_from_db()
    assert defense.checks == {}
    assert "verificados" in defense.status_changes.order_by("-id").first().note
