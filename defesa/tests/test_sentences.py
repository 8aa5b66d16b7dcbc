"""The defence data read from sentences, and the readers together (defesa.reading)."""

import datetime

import pytest

from defesa import reading, sentences

OWN = ("Ifes", "Instituto Federal do Espírito Santo")
WRITER = "Cláudia Ribeiro Tessarolo"
MAY = datetime.date(2027, 5, 2)


def _read(text: str, **kwargs) -> reading.Reading:
    kwargs.setdefault("writer", WRITER)
    kwargs.setdefault("own_institutions", OWN)
    kwargs.setdefault("reference", MAY)
    return reading.read_defense(body_text=text, **kwargs)


def _members(result: reading.Reading) -> set[tuple[str, str]]:
    return {(m.role, m.name) for m in result.data.members}


FIRST_PERSON = (
    "Boa tarde,\n\nPeço o agendamento da defesa da minha orientanda Luana Pimentel Coser. "
    "A dissertação, intitulada Previsão de demanda hídrica com redes recorrentes, será "
    "defendida no dia 14 de junho (segunda), às 9 horas, na sala 112. A banca contará comigo "
    "na presidência, com o colega Otávio Bragança Lemos, do programa, e com a professora "
    "Renata Sarmento Vidal, da UFMG, que participa a distância.\n\nAbraço,\nCláudia\n"
)


def test_a_committee_in_first_person_prose():
    result = _read(FIRST_PERSON)
    data = result.data
    assert (data.student, data.title) == (
        "Luana Pimentel Coser",
        "Previsão de demanda hídrica com redes recorrentes",
    )
    assert (data.date, data.time, data.room) == (
        datetime.date(2027, 6, 14),
        datetime.time(9, 0),
        "112",
    )
    assert _members(result) == {
        ("advisor", WRITER),
        ("internal", "Otávio Bragança Lemos"),
        ("external", "Renata Sarmento Vidal"),
    }
    assert data.missing_fields() == []


def test_values_from_sentences_keep_their_span_and_a_mark():
    result = _read(FIRST_PERSON)
    title = result.provenance["title"]
    assert FIRST_PERSON[title["start"] : title["end"]] == result.data.title
    assert (title["rule"], title["check"]) == ("prose", "prose")
    advisor = next(
        result.provenance[f"member:{i}"]
        for i, m in enumerate(result.data.members)
        if m.role == "advisor"
    )
    # "comigo" is the writer: no span of their name in the text, and a mark
    assert advisor["rule"] == "sender" and advisor["check"]
    assert "title" in result.checks and "date" in result.checks


def test_a_labelled_form_has_nothing_to_check():
    text = (
        "Nome Completo Aluno: Luana Pimentel Coser\nTítulo: Previsão de demanda hídrica\n"
        "Data: 14/06/2027\nHorário: 09:00h\nSala: 112\n\nOrientador Principal: Prof. Dr. "
        "Otávio Lemos\nMembro Interno: Profa. Ana Reis\nMembro Externo: Prof. Rui Dias (UFMG)\n"
    )
    result = _read(text)
    assert result.checks == {}
    student = result.provenance["student"]
    assert text[student["start"] : student["end"]] == "Luana Pimentel Coser"


@pytest.mark.parametrize(
    ("sentence", "missing"),
    [
        ("O horário ainda está a confirmar com a banca.", "time"),
        ("Sala: a definir", "room"),
        ("Membro Externo: [preencher]", "external"),
        ("Membro Externo: xxx", "external"),
        ("Título: (envio na semana que vem)", "title"),
    ],
)
def test_placeholders_leave_the_field_missing(sentence, missing):
    text = (
        "Nome Completo Aluno: Luana Pimentel Coser\nTítulo: Previsão de demanda hídrica\n"
        "Data: 14/06/2027\nHorário: 09:00h\nSala: 112\nOrientador Principal: Otávio Lemos\n"
        "Membro Interno: Ana Reis\nMembro Externo: Rui Dias (UFMG)\n"
    )
    label = sentence.split(":")[0] + ":"
    if label in text and ":" in sentence:
        text = "\n".join(sentence if line.startswith(label) else line for line in text.split("\n"))
    else:
        text = text.replace("Horário: 09:00h\n", "") + "\n" + sentence
    result = _read(text)
    assert missing in result.missing


def test_forward_header_lines_are_not_form_fields():
    text = (
        "Segue.\n\n---------- Mensagem encaminhada ---------\nDe: Otávio Lemos "
        "<otavio@ifes.edu.br>\nData: seg., 3 de mai. de 2027 às 10:12\nAssunto: defesa\n"
        "Para: Coordenação <coord@ifes.edu.br>\n\nA Luana Pimentel Coser vai defender dia 14/06 "
        "às 9h, sala 112. Título: Previsão de demanda hídrica com redes recorrentes.\n"
        "Banca: eu (orientador), Ana Reis Mota (Ifes) e Rui Dias Neto (UFMG).\n"
    )
    result = _read(text, writer="Otávio Lemos", forwarded=True)
    assert result.data.date == datetime.date(2027, 6, 14)
    assert result.data.time == datetime.time(9, 0)
    assert ("advisor", "Otávio Lemos") in _members(result)
    assert ("external", "Rui Dias Neto") in _members(result)


def test_a_first_name_is_the_full_name_written_elsewhere():
    text = (
        "O Gustavo Binda Prates me pediu para enviar o pedido da defesa da orientanda dele, "
        "Paula Zucolotto Maciel. Eu participo da banca como membro interno.\n\n"
        "A banca fica então: Gustavo (orientador e presidente), eu e a Adriana Kuhnen Bastos, "
        "da UFSC.\n"
    )
    result = _read(text, writer="Sérgio Loss Nascimento")
    assert _members(result) == {
        ("advisor", "Gustavo Binda Prates"),
        ("internal", "Sérgio Loss Nascimento"),
        ("external", "Adriana Kuhnen Bastos"),
    }


def test_dates_without_a_year_are_the_next_such_date():
    read = sentences.read_prose(
        "A defesa será no dia 3 de março, às 10h.", reference=datetime.date(2026, 12, 7)
    )
    assert read.date.value == datetime.date(2027, 3, 3)
    assert read.time.value == datetime.time(10, 0)


def test_english_labels_and_times():
    read = sentences.read_prose(
        "Thesis title: Federated learning at the edge\nDate: 13 August 2026\n"
        "Time: 2:00 pm Brasília time (6:00 pm in Edinburgh)\nPlace: Room 210, Ifes\n",
        reference=MAY,
    )
    assert read.title.value == "Federated learning at the edge"
    assert read.date.value == datetime.date(2026, 8, 13)
    assert read.time.value == datetime.time(14, 0)
    assert read.room.value == "210"


def test_typographic_forms_read_as_plain_and_stay_as_written():
    read = sentences.read_prose(
        "O trabalho, “Predição de tempo de permanência hospitalar”, será defendido no dia "
        "30 de setembro, às 16h, na sala 305.",
        reference=MAY,
    )
    assert read.title.value == "Predição de tempo de permanência hospitalar"
    assert read.room.value == "305"


def test_two_defences_in_one_email_are_not_mixed():
    block = (
        "Aluno: {student}\nTítulo: {title}\nData: {date}\nHorário: 9h\nSala: 206\n"
        "Orientador: Gustavo Binda Prates\nMembro interno: {internal}\n"
        "Membro externo: {external} (UFES)\n"
    )
    text = (
        "Boa tarde, mando os dois pedidos juntos:\n\nDEFESA 1\n"
        + block.format(
            student="Matheus Piol Lima",
            title="Detecção de intrusão em redes IoT",
            date="17/09/2026",
            internal="Adriana Zago Reis",
            external="Luciano Rebouças Dias",
        )
        + "\nDEFESA 2\n"
        + block.format(
            student="Jéssica Venturini da Penha",
            title="Acessibilidade em aplicativos móveis",
            date="18/09/2026",
            internal="Renata Gava Dalvi",
            external="Priscila Andrade Moura",
        )
    )
    result = _read(text)
    assert result.data.student == "Matheus Piol Lima"
    assert {m.name for m in result.data.members} == {
        "Gustavo Binda Prates",
        "Adriana Zago Reis",
        "Luciano Rebouças Dias",
    }
    assert result.checks["student"] == "several_defences"
    assert "2 defesas" in result.several and "Jéssica Venturini da Penha" in result.several


def test_typographic_characters_match_as_plain_and_are_kept_as_written():
    text = (
        "Nome\u00a0Completo Aluno:\u00a0Maria D’Ávila Souza\nTítulo: “Redes – um estudo”\n"
        "Data: 15/10/2026\nHorário: 14h\nSala: 207\nOrientador Principal: Prof.\u00a0Dr. "
        "João Silva\nMembro Interno: Ana Lima\nMembro Externo: Carlos Pereira – UFES\n"
    )
    data = _read(text).data
    assert (data.student, data.title) == ("Maria D’Ávila Souza", "Redes – um estudo")
    assert ("external", "Carlos Pereira", "UFES") in {
        (m.role, m.name, m.institution) for m in data.members
    }


def test_a_committee_list_marks_the_roles_it_infers():
    text = (
        "Nome Completo Aluno: Luana Pimentel Coser\nTítulo: Previsão de demanda hídrica\n"
        "Data: 14/06/2027\nHorário: 09:00h\nSala: 112\n\n"
        "Banca: Prof. Otávio Lemos (orientador), Profa. Ana Reis (Ifes), Prof. Rui Dias (UFMG)\n"
    )
    result = _read(text)
    marks = {result.data.members[int(k.split(":")[1])].name: v for k, v in result.checks.items()}
    assert marks == {"Ana Reis": "role_from_context", "Rui Dias": "role_from_context"}


@pytest.mark.parametrize(
    ("written", "date", "time"),
    [
        ("Data: 15/10/2025\nHorário: 14:00h", "15/10/2025", "14:00h"),
        ("no dia 15 de outubro de 2025, às 9 horas", "15 de outubro de 2025", "9 horas"),
        ("em 15.10.2025 às 14h30", "15.10.2025", "14h30"),
    ],
)
def test_a_date_and_a_time_are_found_where_they_are_written(written, date, time):
    text = f"A defesa da aluna Maria Souza Lima será {written}, na sala 207.\n"
    result = _read(text)
    for name, expected in (("date", date), ("time", time)):
        where = result.provenance[name]
        assert text[where["start"] : where["end"]] == expected


def test_a_day_without_its_month_yields_to_a_whole_date_in_a_later_sentence():
    text = (
        "A defesa precisa ser marcada até o dia 30, como pede o regimento. "
        "A defesa do Tiago Lemos Bravo será no dia 21/05/2027, às 10h, na sala 207."
    )
    assert _read(text).data.date == datetime.date(2027, 5, 21)


def test_a_day_without_its_month_is_the_next_such_day_on_the_weekday_named():
    # the email is of 2 May 2027; 4 May is a Tuesday, 4 June a Friday
    text = "A defesa do Tiago Lemos Bravo fica para sexta (dia 4), às 10h, na sala 207."
    assert _read(text).data.date == datetime.date(2027, 6, 4)


def test_a_professor_who_sends_a_request_naming_no_student_is_not_the_student():
    text = (
        "Prezada secretaria, segue pedido de agendamento de defesa.\n\n"
        "Título: Redes de sensores sem fio para monitoramento de encostas\n"
        "Data: 21/05/2027\nHorário: 10h\nLocal: Sala 207\n"
        "Orientador: Prof. Dr. Henrique Dalvi Souza (Ifes)\n"
        "Membro interno: Profa. Dra. Marta Zanon Lyra (Ifes)\n"
        "Membro externo: Prof. Dr. Rui Campos Leão (UFES)\n\n"
        "Att.,\nProf. Saulo Reis Vieira\nCoordenador do PPComp\n"
    )
    assert _read(text, writer="Saulo Reis Vieira").data.student == ""
    student_writes = text.replace("Prof. Saulo Reis Vieira\nCoordenador do PPComp", "Saulo")
    assert _read(student_writes, writer="Saulo Reis Vieira").data.student == "Saulo Reis Vieira"


def test_the_first_of_a_committee_listed_without_roles_presides_and_is_checked():
    text = (
        "Título: Um estudo sobre filas em sistemas distribuídos\n"
        "Data: 21/05/2027 às 9h\nLocal: Sala 201\n\n"
        "Banca:\nProf. Dr. Mário Lúcio Brandão - Ifes\nProf. Dr. Walter Costa Ribeiro - Ifes\n"
        "Prof. Dr. Sérgio Luiz Amaral - UFES\n\nClara Nunes Bissoli\n"
    )
    result = _read(text, writer="Clara Nunes Bissoli")
    assert _members(result) == {
        ("advisor", "Mário Lúcio Brandão"),
        ("internal", "Walter Costa Ribeiro"),
        ("external", "Sérgio Luiz Amaral"),
    }
    assert result.checks["member:0"] == "role_from_context"


def test_answers_below_quoted_questions_are_read_as_their_fields():
    text = (
        "Olá! Respondo abaixo.\n\n"
        "Em qua., 28 de abr. de 2027 às 10:00, Secretaria PPComp <secretaria@ifes.edu.br> "
        "escreveu:\n"
        "> Ana, por favor informe:\n> Qual o título da dissertação?\n"
        "Segmentação de tumores cerebrais com U-Net\n"
        "> E a data e o horário?\nDia 21/05/2027 às 15h\n> Onde será?\nMiniauditório\n"
        "> Quem compõe a banca?\nProf. Dr. Luiz Alberto Pinto (Ifes) - orientador\n"
        "Prof. Dr. Carlos Roberto Souza (Ifes)\nProfa. Dra. Teresa Cristina Melo (UFRJ)\n"
        "> Obrigada.\n"
    )
    data = _read(text, writer="Ana Paula Rocha Lima").data
    assert data.title == "Segmentação de tumores cerebrais com U-Net"
    assert (data.date, data.time) == (datetime.date(2027, 5, 21), datetime.time(15, 0))
    assert data.room == "Miniauditório"
    assert data.advisor.name == "Luiz Alberto Pinto"
    assert data.student == "Ana Paula Rocha Lima"
