"""Round 5 of unseen voices (issue #17's third session): shapes the fourth reading corpus
showed, written here in other words. A committee in one block a member (name, role,
institution, address lines, blank lines between), "Orientador e presidente" as a line of
its own, a room with a remark after it, "Sala xxx" and a title "ainda em ajuste" as
placeholders, days and hours in words ("oito de julho", "às duas da tarde"), a date line
right under a long title, and a student whose From header is a nickname ("Bia", "Caio R.")
but whose signature is the whole name.
"""

from __future__ import annotations

import datetime

import pytest

from defesa.tests.voices import ADV, CO, EXT, INT, Voice, mismatches

D = datetime.date
T = datetime.time

VOICES = {
    # The advisor writes the committee one block a member, blank lines between.
    "member_blocks_with_addresses": Voice(
        subject="Documentos da defesa - Heloísa Vervloet Zanotti",
        from_="Ronaldo Pessotti Cabral <ronaldo.cabral@ifes.edu.br>",
        body=(
            "Bom dia, secretaria!\n\n"
            "Peço a documentação da defesa da minha orientanda Heloísa Vervloet Zanotti.\n\n"
            "Título: Previsão de consumo de energia em prédios públicos com redes recorrentes\n"
            "Data: 22/03/2027\n"
            "Horário: 15h\n"
            "Local: Sala 203 do Bloco C\n\n"
            "Banca examinadora:\n\n"
            "Ronaldo Pessotti Cabral\n"
            "Ifes – orientador\n"
            "ronaldo.cabral@ifes.edu.br\n\n"
            "Marta Gonçalves Kiefer\n"
            "Instituto Federal do Espírito Santo (Ifes)\n"
            "marta.kiefer@ifes.edu.br\n\n"
            "Úrsula Benevides Pratti\n"
            "Universidade Federal de Minas Gerais (UFMG)\n"
            "ursula.pratti@ufmg.br\n\n"
            "A Úrsula participa por videoconferência, se for possível reservar a câmera.\n\n"
            "Abraços,\nRonaldo"
        ),
        student="Heloísa Vervloet Zanotti",
        title="Previsão de consumo de energia em prédios públicos com redes recorrentes",
        date=D(2027, 3, 22),
        time=T(15, 0),
        room="Sala 203 do Bloco C",
        members=[
            (ADV, "Ronaldo Pessotti Cabral"),
            (INT, "Marta Gonçalves Kiefer"),
            (EXT, "Úrsula Benevides Pratti"),
        ],
    ),
    # Each block gives the role on a line of its own; the place has a remark after a dash.
    "member_blocks_role_lines_room_remark": Voice(
        subject="Defesa de mestrado - Caetano Fraga Boldrini",
        from_="Denise Loureiro Sarmento <denise.sarmento@ifes.edu.br>",
        body=(
            "Prezadas,\n\n"
            "Aluno: Caetano Fraga Boldrini\n"
            "Título: Segmentação de lesões de pele em imagens dermatoscópicas com U-Net\n"
            "Data: 11/03/2027\n"
            "Horário: 9h30\n"
            "Local: Laboratório de Inteligência Artificial (LabIA) – o professor Otto cedeu "
            "a sala para a manhã\n\n"
            "Banca:\n\n"
            "Profa. Dra. Denise Loureiro Sarmento\n"
            "Orientadora e presidente\n"
            "Ifes – Campus Serra\n\n"
            "Prof. Dr. Jefferson Ruy Calmon\n"
            "Coorientador\n"
            "Ifes – Campus Serra\n\n"
            "Dr. Wagner Teixeira Lobo\n"
            "Membro externo\n"
            "Vale S.A.\n\n"
            "Att.,\nDenise"
        ),
        student="Caetano Fraga Boldrini",
        title="Segmentação de lesões de pele em imagens dermatoscópicas com U-Net",
        date=D(2027, 3, 11),
        time=T(9, 30),
        room="Laboratório de Inteligência Artificial (LabIA)",
        members=[
            (ADV, "Denise Loureiro Sarmento"),
            (CO, "Jefferson Ruy Calmon"),
            (EXT, "Wagner Teixeira Lobo"),
        ],
        missing=["internal"],  # the committee as written has no internal member
    ),
    # "Sala xxx (...)" and a title still being adjusted: both missing, the request waits.
    "room_xxx_title_being_adjusted": Voice(
        subject="Pré-agendamento de defesa",
        from_="Sérgio Bassini Rocha <sergio.rocha@ifes.edu.br>",
        body=(
            "Olá!\n\n"
            "Discente: Amanda Frechiani Lugon\n"
            "Título: ainda em ajuste com a aluna, mando até quarta\n"
            "Data: 30/03/2027\n"
            "Horário: 14h\n"
            "Local: Sala xxx (vou ver com a coordenadoria qual estará livre)\n"
            "Banca: Prof. Sérgio Bassini Rocha (Ifes, orientador); Profa. Lívia Caliari "
            "Sessa (Ifes); Prof. Nelson Abreu Thomazini (UFES)\n\n"
            "Sérgio"
        ),
        student="Amanda Frechiani Lugon",
        title="",
        date=D(2027, 3, 30),
        time=T(14, 0),
        room="",
        members=[
            (ADV, "Sérgio Bassini Rocha"),
            (INT, "Lívia Caliari Sessa"),
            (EXT, "Nelson Abreu Thomazini"),
        ],
        missing=["title", "room"],
    ),
    # The day and the hour in words, on the line right under a long title.
    "day_and_hour_in_words_under_the_title": Voice(
        subject="Defesa - dados",
        from_="Patrícia Zandonadi Leal <patricia.leal@ifes.edu.br>",
        body=(
            "Oi, pessoal, tudo certo com a banca do Jonas Merlo Zamprogno:\n\n"
            "Título: Aprendizado por reforço para o controle de semáforos em corredores "
            "urbanos com tráfego heterogêneo\n"
            "Dia nove de março (terça), às duas da tarde, no Auditório do Bloco A.\n\n"
            "Banca: eu (orientadora), o Prof. Hugo Ferrari Dalvi (Ifes) e a Profa. Sheila "
            "Moura Baptista (UFES).\n\n"
            "Patrícia"
        ),
        student="Jonas Merlo Zamprogno",
        title=(
            "Aprendizado por reforço para o controle de semáforos em corredores urbanos com "
            "tráfego heterogêneo"
        ),
        date=D(2027, 3, 9),
        time=T(14, 0),
        room="Auditório do Bloco A",
        members=[
            (ADV, "Patrícia Zandonadi Leal"),
            (INT, "Hugo Ferrari Dalvi"),
            (EXT, "Sheila Moura Baptista"),
        ],
    ),
    # The student writes from a nickname; the signature has the whole name.
    "student_nickname_signature_whole_name": Voice(
        subject="Dados da minha defesa",
        from_="Bia <biazinha.t@gmail.com>",
        body=(
            "Boa tarde! Minha orientadora pediu que eu enviasse os dados da minha defesa.\n\n"
            "Título: Detecção de discurso de ódio em português com modelos de linguagem\n"
            "Data: 17/03/2027\n"
            "Horário: 10h\n"
            "Local: Sala 110 do Bloco C\n"
            "Banca: Profa. Dra. Clarice Nunes Bragatto (Ifes, orientadora); Prof. Dr. Vitor "
            "Seidel Ramos (Ifes); Profa. Dra. Raquel Lacerda Pin (UFRJ)\n\n"
            "Obrigada!\n\n"
            "Beatriz Tonini Guimarães\n"
            "Mestranda PPComp\n\n"
            "Enviado do meu iPhone"
        ),
        student="Beatriz Tonini Guimarães",
        title="Detecção de discurso de ódio em português com modelos de linguagem",
        date=D(2027, 3, 17),
        time=T(10, 0),
        room="Sala 110 do Bloco C",
        members=[
            (ADV, "Clarice Nunes Bragatto"),
            (INT, "Vitor Seidel Ramos"),
            (EXT, "Raquel Lacerda Pin"),
        ],
    ),
    # An abridged From ("Caio R.") and the whole name under the closing.
    "student_abridged_from_header": Voice(
        subject="Minha defesa - documentos",
        from_="Caio R. <caio.r.dev@hotmail.com>",
        body=(
            "Olá, secretaria. Seguem os dados da minha defesa, a pedido do meu orientador.\n\n"
            "Título: Compressão de modelos de visão para microcontroladores\n"
            "Data: 25/03/2027 às 16h\n"
            "Local: Sala 204 do Bloco B\n"
            "Banca: Prof. Dr. Ivan Gomes Sossai (Ifes) - orientador; Prof. Dr. Fábio Rangel "
            "Tosta (Ifes); Prof. Dr. Yuri Pacheco Bermudes (UFES)\n\n"
            "Abraço,\nCaio Rossoni Falcão"
        ),
        student="Caio Rossoni Falcão",
        title="Compressão de modelos de visão para microcontroladores",
        date=D(2027, 3, 25),
        time=T(16, 0),
        room="Sala 204 do Bloco B",
        members=[
            (ADV, "Ivan Gomes Sossai"),
            (INT, "Fábio Rangel Tosta"),
            (EXT, "Yuri Pacheco Bermudes"),
        ],
    ),
    # A reply moves the date ("que estava marcada para ..., passa para ...") and the
    # time; the rest comes from the quoted request.
    "reschedule_old_and_new_date_in_one_sentence": Voice(
        subject="Re: Defesa - Otávio Sessa Lugon",
        from_="Ivana Rangel Peixoto <ivana.peixoto@ifes.edu.br>",
        body=(
            "Pessoal, a defesa do Otávio, que estava marcada para 12/03, fica para 19/03. "
            "Também passamos o horário para 10h30. Sala e banca continuam.\n\nIvana\n\n"
            "Em 01/02/2027 08:00, Ivana Rangel Peixoto escreveu:\n"
            "> Solicito o agendamento da defesa de Otávio Sessa Lugon.\n"
            "> Título: Verificação formal de contratos inteligentes com model checking\n"
            "> Data: 12/03/2027\n> Horário: 14h\n> Local: Sala 207 do Bloco C\n"
            "> Banca:\n> - Profa. Ivana Rangel Peixoto (orientadora, Ifes)\n"
            "> - Prof. Samuel Dutra Netto (membro interno, Ifes)\n"
            "> - Prof. Álvaro Kuster Bof (membro externo, UFES)\n"
        ),
        student="Otávio Sessa Lugon",
        title="Verificação formal de contratos inteligentes com model checking",
        date=D(2027, 3, 19),
        time=T(10, 30),
        room="Sala 207 do Bloco C",
        members=[
            (ADV, "Ivana Rangel Peixoto"),
            (INT, "Samuel Dutra Netto"),
            (EXT, "Álvaro Kuster Bof"),
        ],
    ),
    # A student lists "minha orientadora" among the committee, having named her before;
    # a member "do PPComp" is the program's own.
    "student_lists_my_advisor_named_before": Voice(
        subject="defesa",
        from_="Nina <nina.tosta@gmail.com>",
        body=(
            "Oi! Sou aluna do mestrado e minha orientadora, a Profa. Helena Buback Rossi, "
            "pediu pra eu mandar os dados.\n\n"
            "Titulo: Deteccao de fraudes em notas fiscais eletronicas com grafos\n"
            "Data: 24/03/2027 as 9h\nLocal: Sala 105 do Bloco B\n"
            "Banca: minha orientadora, o prof Caio Ronchi Tesch (do PPComp) e a profa "
            "Laura Zamprogno Dias, da UFES (membro externo)\n\n"
            "Obrigada!!\n\nNina Tosta Bermudes\n"
        ),
        student="Nina Tosta Bermudes",
        title="Deteccao de fraudes em notas fiscais eletronicas com grafos",
        date=D(2027, 3, 24),
        time=T(9, 0),
        room="Sala 105 do Bloco B",
        members=[
            (ADV, "Helena Buback Rossi"),
            (INT, "Caio Ronchi Tesch"),
            (EXT, "Laura Zamprogno Dias"),
        ],
    ),
    # The advisor's From header has her honorific and an abridged name; "por mim".
    "advisor_header_with_honorific_signs_whole_name": Voice(
        subject="Agendamento de defesa",
        from_="Profa. Dalva Sarcinelli <dalva.s@ifes.edu.br>",
        body=(
            "Boa tarde. Peço o agendamento da defesa do meu orientando Tales Furieri Bolsoni, "
            "com o título “Otimização de rotas de coleta seletiva com colônia de formigas”. "
            "A defesa será no dia 26 de março de 2027, às 14h, na Sala 201 do Bloco C. A "
            "banca será presidida por mim e terá o Prof. Enzo Lyra Passos, do Ifes, e a "
            "Profa. Mirna Castello Sartori, da UFRJ.\n\nDalva\n\n"
            "Dalva Sarcinelli Coutinho\nProfessora – Ifes Campus Serra"
        ),
        student="Tales Furieri Bolsoni",
        title="Otimização de rotas de coleta seletiva com colônia de formigas",
        date=D(2027, 3, 26),
        time=T(14, 0),
        room="Sala 201 do Bloco C",
        members=[
            (ADV, "Dalva Sarcinelli Coutinho"),
            (INT, "Enzo Lyra Passos"),
            (EXT, "Mirna Castello Sartori"),
        ],
    ),
}


@pytest.mark.parametrize("voice", VOICES.values(), ids=VOICES.keys())
def test_voice_is_read_as_a_secretary_reads_it(voice):
    assert mismatches(voice) == []


def test_the_program_is_the_programs_own_institution(settings):
    """A member "do PPComp" is internal: the program's names count as its own."""
    from defesa.services import own_institutions

    settings.MAILFLOW_PROGRAM_ACRONYM = "PPGX"
    settings.MAILFLOW_PROGRAM_NAME = "Programa de Pós-Graduação em X"
    names = own_institutions()
    assert "PPGX" in names and "Programa de Pós-Graduação em X" in names
    assert settings.MAILFLOW_INSTITUTION_ACRONYM in names
