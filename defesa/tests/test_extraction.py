"""Defence data extraction: the corpus of request emails, and the parsing pieces.

Each corpus case is ``extraction_corpus/NN_name.json`` (the exact expected fields) with the
email's body next to it: ``NN_name.txt`` (plain text), ``NN_name.html`` (HTML), or both.
The JSON may also give ``problems`` (the exact messages, default none) and
``own_institutions``. No database: extraction is pure Python.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, DefenseData, Member
from defesa.extraction import (
    Extraction,
    blank_form,
    extract_defense,
    merge_defense,
    parse_date,
    parse_time,
    split_honorific,
)
from defesa.extraction.values import read_room
from testing.extraction_inputs import HOSTILE, HOSTILE_HTML

CORPUS = Path(__file__).parent / "extraction_corpus"


@pytest.fixture(autouse=True)
def english():
    """Problems are compared in their source language, whatever the translations say."""
    with translation.override("en"):
        yield


def _fields(found: Extraction) -> dict[str, Any]:
    data = found.data
    return {
        "student": data.student,
        "title": data.title,
        "date": data.date.isoformat() if data.date else None,
        "time": data.time.strftime("%H:%M") if data.time else None,
        "room": data.room,
        "link": data.link,
        "members": [
            {"role": m.role, "honorific": m.honorific, "name": m.name, "institution": m.institution}
            for m in data.members
        ],
        "problems": found.problems,
    }


def _corpus() -> list[Any]:
    return [pytest.param(spec, id=spec.stem) for spec in sorted(CORPUS.glob("*.json"))]


def _bodies(spec: Path) -> dict[str, str]:
    """body_text and body_html of a corpus case ("" for the one it does not have)."""
    text, html = spec.with_suffix(".txt"), spec.with_suffix(".html")
    return {
        "body_text": text.read_text(encoding="utf-8") if text.exists() else "",
        "body_html": html.read_text(encoding="utf-8") if html.exists() else "",
    }


def test_corpus_is_large_enough():
    specs = list(CORPUS.glob("*.json"))
    assert len(specs) >= 45
    for spec in specs:
        assert spec.with_suffix(".txt").exists() or spec.with_suffix(".html").exists(), spec.name


@pytest.mark.parametrize("spec", _corpus())
def test_corpus_case(spec: Path):
    expected = json.loads(spec.read_text(encoding="utf-8"))
    kwargs: dict[str, Any] = _bodies(spec)
    if "own_institutions" in expected:
        kwargs["own_institutions"] = tuple(expected.pop("own_institutions"))
    expected.setdefault("problems", [])

    found = extract_defense(**kwargs)

    assert _fields(found) == expected
    assert found.missing == found.data.missing_fields()


# --- dates, times, honorifics ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("15/10/2025", datetime.date(2025, 10, 15)),
        ("15/10/25", datetime.date(2025, 10, 15)),
        ("5/3/2026", datetime.date(2026, 3, 5)),
        ("15.10.2025", datetime.date(2025, 10, 15)),
        ("15-10-2025", datetime.date(2025, 10, 15)),
        ("15 de outubro de 2025", datetime.date(2025, 10, 15)),
        ("15 de Outubro de 2025", datetime.date(2025, 10, 15)),
        ("1º de março de 2026", datetime.date(2026, 3, 1)),
        ("15 de out. de 2025", datetime.date(2025, 10, 15)),
        ("2025-10-15", datetime.date(2025, 10, 15)),
        ("dia 15/10/2025 (quarta-feira)", datetime.date(2025, 10, 15)),
        ("quarta-feira, 15 de outubro de 2025, às 14h", datetime.date(2025, 10, 15)),
        ("March 5, 2027", datetime.date(2027, 3, 5)),
        ("Thursday, May 13th, 2027", datetime.date(2027, 5, 13)),
        ("15th of April 2027", datetime.date(2027, 4, 15)),
        ("a definir", None),
        ("dd/mm/aaaa", None),
        ("", None),
    ],
)
def test_parse_date(written: str, expected: datetime.date | None):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["32/13/2025", "31/02/2025", "15/10/1025", "2025-13-01"])
def test_parse_date_rejects_impossible_dates(written: str):
    with pytest.raises(ValueError, match="is not a valid date"):
        parse_date(written)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("14h", datetime.time(14, 0)),
        ("14h30", datetime.time(14, 30)),
        ("14:00", datetime.time(14, 0)),
        ("14:00h", datetime.time(14, 0)),
        ("14 horas", datetime.time(14, 0)),
        ("às 9 horas", datetime.time(9, 0)),
        ("9h00min", datetime.time(9, 0)),
        ("9 h", datetime.time(9, 0)),
        ("14:30hs", datetime.time(14, 30)),
        ("das 14h às 16h", datetime.time(14, 0)),
        ("2 pm", datetime.time(14, 0)),
        ("2:30 PM", datetime.time(14, 30)),
        ("10:30 a.m.", datetime.time(10, 30)),
        ("12 pm", datetime.time(12, 0)),
        ("9 amanhã", None),
        ("a combinar", None),
        ("", None),
    ],
)
def test_parse_time(written: str, expected: datetime.time | None):
    assert parse_time(written) == expected


@pytest.mark.parametrize("written", ["25h", "14:75", "24:00"])
def test_parse_time_rejects_impossible_times(written: str):
    with pytest.raises(ValueError, match="is not a valid time"):
        parse_time(written)


@pytest.mark.parametrize(
    ("written", "honorific", "name"),
    [
        ("Prof. Dr. Maria Souza", "Prof. Dr.", "Maria Souza"),
        ("Profa. Dra. Maria Souza", "Profa. Dra.", "Maria Souza"),
        ("Profª. Drª. Maria Souza", "Profª. Drª.", "Maria Souza"),
        ("Prof.ª Dr.ª Maria Souza", "Prof.ª Dr.ª", "Maria Souza"),
        ("Dr. João Lima", "Dr.", "João Lima"),
        ("Dra. Ana Lima", "Dra.", "Ana Lima"),
        ("Me. Otávio Lemos", "Me.", "Otávio Lemos"),
        ("Ma. Priscila Dantas", "Ma.", "Priscila Dantas"),
        ("Prof. Ronaldo Pires", "Prof.", "Ronaldo Pires"),
        ("Professor Ronaldo Pires", "Professor", "Ronaldo Pires"),
        ("Professora Cíntia Valadares", "Professora", "Cíntia Valadares"),
        ("Doutor Evandro Lins", "Doutor", "Evandro Lins"),
        ("prof.   dr. augusto franco", "prof. dr.", "augusto franco"),
        ("PROF. DR. CARLOS MOTA", "PROF. DR.", "CARLOS MOTA"),
        ("Drummond Alves", "", "Drummond Alves"),
        ("Maria Souza", "", "Maria Souza"),
        ("Prof. Dr.", "", "Prof. Dr."),
    ],
)
def test_split_honorific(written: str, honorific: str, name: str):
    assert split_honorific(written) == (honorific, name)


# --- the form --------------------------------------------------------------------------------

SECRETARIAT_FORM = """\
Nome Completo Aluno:
Título:
Data: dd/mm/aaaa
Horário: 00:00h
Sala: (N° da Sala ou "Virtual")
Link Sala Virtual(Se n houver, deixar em branco):

Orientador Principal:
Coorientador:
Membro Interno:
Membro Externo:"""


def test_blank_form_is_the_secretariats_form():
    assert blank_form() == SECRETARIAT_FORM
    assert blank_form(DefenseData()) == SECRETARIAT_FORM


def test_blank_form_prefills_what_is_known():
    data = DefenseData(
        student="Maria Souza",
        date=datetime.date(2025, 10, 5),
        time=datetime.time(9, 0),
        members=[
            Member(ADVISOR, "João Silva", "Prof. Dr.", "Ifes"),
            Member(EXTERNAL, "Ana Lima", "Dra.", "UFES"),
            Member(EXTERNAL, "Rui Costa", "", ""),
        ],
    )

    assert blank_form(data) == (
        "Nome Completo Aluno: Maria Souza\n"
        "Título:\n"
        "Data: 05/10/2025\n"
        "Horário: 09:00h\n"
        'Sala: (N° da Sala ou "Virtual")\n'
        "Link Sala Virtual(Se n houver, deixar em branco):\n"
        "\n"
        "Orientador Principal: Prof. Dr. João Silva (Ifes)\n"
        "Coorientador:\n"
        "Membro Interno:\n"
        "Membro Externo: Dra. Ana Lima (UFES); Rui Costa"
    )


ROUND_TRIPS = {
    "empty": DefenseData(),
    "complete": DefenseData(
        student="Maria Eduarda D'Ávila",
        title="Big Data: uma análise de redes sociais; estudo de caso",
        date=datetime.date(2025, 12, 31),
        time=datetime.time(8, 5),
        room="207",
        members=[
            Member(ADVISOR, "João Carlos Silva", "Prof. Dr.", "Ifes"),
            Member(COADVISOR, "Carla Menezes", "Profª. Drª.", "Ifes - Campus Serra"),
            Member(INTERNAL, "Ana Paula Lima", "Profa. Dra."),
            Member(INTERNAL, "Rita de Cássia Louzada", "Prof.ª Dr.ª", "Ifes, Campus Serra"),
            Member(EXTERNAL, "Carlos Pereira", "Dr.", "Universidade Federal (UFES)"),
            Member(EXTERNAL, "Beatriz e Souza", "Ma.", "UFRJ"),
        ],
    ),
    "virtual": DefenseData(
        student="Pedro Ramos",
        title="Um título qualquer?",
        date=datetime.date(2026, 2, 28),
        time=datetime.time(14, 30),
        room="Virtual",
        link="https://meet.google.com/abc-defg-hij",
        members=[Member(ADVISOR, "Rafael Gonçalves", "Prof. Dr.")],
    ),
    "only a link": DefenseData(
        link="https://teams.microsoft.com/l/meetup-join/19%3ameeting_Nj%40thread.v2/0?a=b_c",
        members=[Member(INTERNAL, "Jorge Miranda"), Member(EXTERNAL, "Lúcia Brito", "", "UFES")],
    ),
    "room with words": DefenseData(room="Auditório do Bloco A", title="Redes neurais"),
}


@pytest.mark.parametrize("data", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_blank_form_round_trip(data: DefenseData):
    found = extract_defense(body_text=blank_form(data))

    assert found.data == data
    assert found.problems == []


@pytest.mark.parametrize("spec", _corpus())
def test_blank_form_round_trip_of_each_corpus_case(spec: Path):
    found = extract_defense(**_bodies(spec)).data

    assert extract_defense(body_text=blank_form(found)).data == found


def test_blank_form_round_trip_in_html():
    data = ROUND_TRIPS["complete"]
    html = "<div>" + "</div><div>".join(blank_form(data).split("\n")) + "</div>"

    assert extract_defense(body_text="", body_html=html).data == data


# --- the professor's answer ------------------------------------------------------------------


def _current() -> DefenseData:
    return DefenseData(
        student="Maria Souza",
        title="Título antigo",
        date=datetime.date(2025, 10, 15),
        room="207",
        members=[
            Member(ADVISOR, "João Silva", "Prof. Dr.", "Ifes"),
            Member(INTERNAL, "Ana Lima", "Profa. Dra."),
        ],
    )


def test_merge_defense_answer_values_win_and_empty_ones_keep_the_old():
    current = _current()
    answer = DefenseData(title="Título novo", time=datetime.time(14, 0), room="Virtual")

    merged, changed = merge_defense(current, answer)

    assert merged == DefenseData(
        student="Maria Souza",
        title="Título novo",
        date=datetime.date(2025, 10, 15),
        time=datetime.time(14, 0),
        room="Virtual",
        members=current.members,
    )
    assert changed == ["title", "time", "room"]
    assert current == _current(), "the current data must not be changed in place"
    assert merged.members is not current.members


def test_merge_defense_replaces_the_members_of_the_roles_the_answer_lists():
    current = _current()
    answer = DefenseData(
        members=[
            Member(INTERNAL, "Rui Costa", "Prof. Dr.", "Ifes"),
            Member(INTERNAL, "Lia Reis", "Dra."),
            Member(EXTERNAL, "Caio Rangel", "Prof. Dr.", "Unicamp"),
        ]
    )

    merged, changed = merge_defense(current, answer)

    assert merged.members == [
        Member(ADVISOR, "João Silva", "Prof. Dr.", "Ifes"),
        Member(INTERNAL, "Rui Costa", "Prof. Dr.", "Ifes"),
        Member(INTERNAL, "Lia Reis", "Dra."),
        Member(EXTERNAL, "Caio Rangel", "Prof. Dr.", "Unicamp"),
    ]
    assert changed == ["internal", "external"]


def test_merge_defense_reports_nothing_when_the_answer_repeats_the_data():
    merged, changed = merge_defense(_current(), _current())

    assert merged == _current()
    assert changed == []


def test_merge_defense_of_an_extracted_answer_to_the_prefilled_form():
    current = _current()
    reply = (
        "Horário: 14h\n"
        "Coorientador: não há\n"
        "Membro Externo: Prof. Dr. Caio Rangel (Unicamp)\n\n"
        "Em seg., 3 de mar. de 2025 às 10:12, Secretaria <secretaria@ifes.edu.br> escreveu:\n"
        + "\n".join("> " + line for line in blank_form(current).split("\n"))
    )

    merged, changed = merge_defense(current, extract_defense(body_text=reply).data)

    assert changed == ["time", "external"]
    assert merged.time == datetime.time(14, 0)
    assert merged.missing_fields() == []


# --- missing fields and problems -------------------------------------------------------------


def test_missing_lists_the_required_fields_without_value():
    found = extract_defense(
        body_text="Aluno: Maria Souza\nLink: https://meet.google.com/abc-defg-hij\n"
        "Orientador: Prof. Dr. João Silva"
    )

    assert found.missing == ["title", "date", "time", "internal", "external"]
    assert found.problems == []


def test_nothing_at_all():
    found = extract_defense(body_text="", body_html="")

    assert found.data == DefenseData()
    assert found.missing == [
        "student",
        "title",
        "date",
        "time",
        "room",
        "advisor",
        "internal",
        "external",
    ]
    assert found.problems == []


def test_problems_name_the_value_in_any_language():
    with translation.override("pt-br"):
        found = extract_defense(body_text="Data: 32/13/2025")

    assert len(found.problems) == 1
    assert "32/13/2025" in found.problems[0]


def test_own_institutions_decide_the_committee_roles():
    body = "Banca: Prof. Dr. A Souza (orientador), Dr. B Lima (UFES), Dr. C Reis (Ifes)"

    ifes = extract_defense(body_text=body).data
    ufes = extract_defense(body_text=body, own_institutions=["UFES"]).data

    assert [(m.role, m.name) for m in ifes.members] == [
        (ADVISOR, "A Souza"),
        (INTERNAL, "C Reis"),
        (EXTERNAL, "B Lima"),
    ]
    assert [(m.role, m.name) for m in ufes.members] == [
        (ADVISOR, "A Souza"),
        (INTERNAL, "B Lima"),
        (EXTERNAL, "C Reis"),
    ]


# --- hostile input ---------------------------------------------------------------------------

# How long these take is measured in bench/defesa.py; here they must be read without error
# and without inventing a complete request.


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_is_read(body: str):
    found = extract_defense(body_text=body)
    assert "title" in found.missing and len(found.problems) <= 20


@pytest.mark.parametrize("markup", HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
def test_hostile_html_is_read(markup: str):
    found = extract_defense(body_text="", body_html=markup)
    assert "title" in found.missing and len(found.problems) <= 20


def test_problems_are_capped():
    body = "".join(f"Data: {day}/13/2025\nHorário: {day + 30}h\n" for day in range(1, 29))

    found = extract_defense(body_text=body)

    assert found.data.date is None
    assert len(found.problems) == 20


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Sala 206 do Bloco C", "206 do Bloco C"),
        ("Auditório do Bloco C", "Auditório do Bloco C"),
        # a videoconference room in a building is a room people go to
        ("Sala de Videoconferência do Bloco A", "Sala de Videoconferência do Bloco A"),
        ("Online (Google Meet)", "Virtual"),
        # what follows the room's number is said about it, and is no part of it
        ("Room 109, Ifes Campus Serra, with remote access via Zoom", "109"),
        ("109 (já reservada)", "109"),
        ("Room 204, Bloco B", "204, Bloco B"),
    ],
)
def test_read_room(written: str, expected: str):
    assert read_room(written)[0] == expected


def test_doctors_listed_in_a_row_with_no_label_are_the_committee():
    text = (
        "Título: Explicabilidade em modelos de detecção de fraudes\n"
        "Data: 17/03/2027, às 10h\n\n"
        "Prof. Dr. Tiago Moraes Coelho - Ifes\n"
        "Prof. Dr. Reinaldo Lima Sousa - Ifes\n"
        "Profa. Dra. Carla Pimenta Brum - UFES\n\n"
        "Att.,\nProf. Dr. Tiago Moraes Coelho\n"
    )
    members = {(m.role, m.name) for m in extract_defense(body_text=text).data.members}
    assert members == {
        (INTERNAL, "Tiago Moraes Coelho"),
        (INTERNAL, "Reinaldo Lima Sousa"),
        (EXTERNAL, "Carla Pimenta Brum"),
    }


def test_two_doctors_in_a_row_are_no_committee_without_a_label():
    text = "Prezados,\n\nProf. Dr. Tiago Moraes Coelho\nProf. Dr. Reinaldo Lima Sousa\n"
    assert extract_defense(body_text=text).data.members == []


def test_a_lattes_link_inside_the_parentheses_leaves_the_institution():
    text = "Orientador: Prof. Dr. Alcebíades Nunes (Ifes, http://lattes.cnpq.br/1234567890123456)\n"
    advisor = extract_defense(body_text=text).data.advisor
    assert (advisor.name, advisor.institution) == ("Alcebíades Nunes", "Ifes")
