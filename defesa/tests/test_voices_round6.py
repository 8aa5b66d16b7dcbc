"""Round 6 of unseen voices (issue #17's third session): shapes the fifth reading corpus
showed, written here in other words. A terse phone note ("tit.:", "15/06 (seg.) 14:30hs",
"sala 206 bloco C", "vlw"), a date without its year under a label, "22/jun", a correction
("a data certa é ..., não ..."), a committee sentence wrapped by the mail client inside a
name, a bilingual request, a heading and an English possessive naming the student, a
member replaced above a forward, two defences counted in prose, a student's one-paragraph
message from a phone.
"""

from __future__ import annotations

import datetime

import pytest

from defesa.tests.voices import ADV, EXT, INT, Voice, mismatches

D = datetime.date
T = datetime.time

VOICES = {
    # A terse note from a phone; the student only in the Subject.
    "terse_phone_note": Voice(
        subject="Defesa Anderson Pimassoni Lovatti",
        from_="Vilmar Bassetti Falcão <vilmar.falcao@ifes.edu.br>",
        body=(
            "Solange,\n"
            "defesa do Anderson: 12/03 (sex.) 10:30hs, sala 109 bloco B.\n"
            "banca: eu, Bianca Sessa Uliana (Ifes) e Prof. Túlio Menegussi Rangel (UFOP).\n"
            "tit.: Escalonamento de tarefas em clusters heterogêneos com aprendizado por "
            "reforço\n"
            "vlw\nVilmar\n\nObter o Outlook para Android"
        ),
        student="Anderson Pimassoni Lovatti",
        title="Escalonamento de tarefas em clusters heterogêneos com aprendizado por reforço",
        date=D(2027, 3, 12),
        time=T(10, 30),
        room="Sala 109 bloco B",
        members=[
            (ADV, "Vilmar Bassetti Falcão"),
            (INT, "Bianca Sessa Uliana"),
            (EXT, "Túlio Menegussi Rangel"),
        ],
    ),
    # A correction in a reply: the new date, the old one named after "não".
    "correction_right_date_not_the_old_one": Voice(
        subject="Re: Agendamento de defesa - Pâmela Rizzi Bof",
        from_="Pâmela Rizzi Bof <pamela.bof@gmail.com>",
        body=(
            "Oi, Solange! Me enganei: a data certa é 17/03 (quarta), não 16/03. O resto "
            "continua igual.\n\nPâmela\n\n"
            "Em seg., 1 de fev. de 2027 às 10:00, Pâmela Rizzi Bof <pamela.bof@gmail.com> "
            "escreveu:\n"
            "> Seguem os dados da minha defesa, a pedido do meu orientador.\n"
            "> Título: Sumarização de prontuários médicos com modelos de linguagem\n"
            "> Data: 16/03/2027\n> Horário: 9h\n> Local: Sala 205 do Bloco C\n"
            "> Banca: Prof. Dr. Elton Gomes Coutinho (orientador, Ifes), Prof. Dr. Renato\n"
            "> Scarpati Lyra (Ifes) e Profa. Dra. Iris Malacarne Toledo (UFES).\n"
        ),
        student="Pâmela Rizzi Bof",
        title="Sumarização de prontuários médicos com modelos de linguagem",
        date=D(2027, 3, 17),
        time=T(9, 0),
        room="Sala 205 do Bloco C",
        members=[
            (ADV, "Elton Gomes Coutinho"),
            (INT, "Renato Scarpati Lyra"),
            (EXT, "Iris Malacarne Toledo"),
        ],
    ),
    # A co-advisor abroad writes in English; the title is given in both languages.
    "bilingual_title_english_possessive": Voice(
        subject="Committee details",
        from_="Anna Lindqvist <anna.lindqvist@chalmers.se>",
        body=(
            "Dear PPComp office,\n\n"
            "I co-supervise Caetano Ferreira Pin's master's thesis and was asked to send "
            "the details.\n\n"
            "Title: Federated learning for predictive maintenance in port cranes\n"
            "Título: Aprendizado federado para manutenção preditiva em guindastes portuários\n"
            "Date: 22/mar\n"
            "Time: 2 pm\n"
            "Venue: Sala 104 do Bloco B\n\n"
            "Committee:\n"
            "- Prof. Sílvio Dalcolmo Neves (Ifes) – supervisor and chair\n"
            "- Prof. Lígia Sarmento Braga (Ifes) – internal examiner\n"
            "- Prof. Jonas Helmer Ribeiro (UFRJ) – external examiner\n\n"
            "Best regards,\nAnna"
        ),
        student="Caetano Ferreira Pin",
        title="Aprendizado federado para manutenção preditiva em guindastes portuários",
        date=D(2027, 3, 22),
        time=T(14, 0),
        room="Sala 104 do Bloco B",
        members=[
            (ADV, "Sílvio Dalcolmo Neves"),
            (INT, "Lígia Sarmento Braga"),
            (EXT, "Jonas Helmer Ribeiro"),
        ],
    ),
    # The advisor forwards the student's data and replaces the external member on top.
    "member_replaced_above_the_forward": Voice(
        subject="Fwd: Dados da defesa",
        from_="Regina Zanetti Moro <regina.moro@ifes.edu.br>",
        body=(
            "Solange,\n\nSegue o que o Lucas me mandou. Só o membro externo muda: o Prof. "
            "Amaro não poderá, no lugar dele entra a Profa. Dra. Celina Bortolini Vieira, "
            "da UFMG.\n\nRegina\n\n"
            "---------- Forwarded message ---------\n"
            "De: Lucas Tessarolo Nunes <lucas.tn@gmail.com>\n"
            "Date: seg., 1 de fev. de 2027 às 20:10\n"
            "Subject: Dados da defesa\n"
            "To: Regina Zanetti Moro <regina.moro@ifes.edu.br>\n\n"
            "Professora, seguem os dados:\n\n"
            "Aluno: Lucas Tessarolo Nunes\n"
            "Título: Roteamento de drones de entrega com restrições de bateria\n"
            "Data: 19/03/2027\nHorário: 14h\nLocal: Sala 203 do Bloco C\n"
            "Banca:\n"
            "Orientadora: Profa. Dra. Regina Zanetti Moro (Ifes)\n"
            "Membro interno: Prof. Dr. Joel Sartório Dias (Ifes)\n"
            "Membro externo: Prof. Dr. Amaro Ventura Lage (UFF)\n"
        ),
        student="Lucas Tessarolo Nunes",
        title="Roteamento de drones de entrega com restrições de bateria",
        date=D(2027, 3, 19),
        time=T(14, 0),
        room="Sala 203 do Bloco C",
        members=[
            (ADV, "Regina Zanetti Moro"),
            (INT, "Joel Sartório Dias"),
            (EXT, "Celina Bortolini Vieira"),
        ],
    ),
    # Two defences counted in prose: this request is the first one's.
    "two_defences_counted_in_prose": Voice(
        subject="Defesas de março",
        from_="Heitor Casagrande Lube <heitor.lube@ifes.edu.br>",
        body=(
            "Bom dia! Vão as duas defesas do mês num e-mail só.\n\n"
            "A primeira é a da Olívia Perim Dalvi, no dia 10/03 (quarta), às 9h, na sala "
            '207 do Bloco C, com o título "Previsão de safras de café com imagens de '
            'satélite". A banca será eu, o Prof. Dário Schaeffer Lima (Ifes) e a Profa. '
            "Rute Caliman Brito (UFES).\n\n"
            "A segunda, do Breno Agrizzi Sossai, fica no dia 12/03 (sexta), às 14h, on-line "
            '(https://meet.google.com/abc-defg-hij), título "Compressão de vídeo com redes '
            'neurais". Banca: eu, a Profa. Elisa Marin Dutra (Ifes) e o Prof. Saulo Prando '
            "Leite (UFV).\n\nAbraço,\nHeitor Casagrande Lube"
        ),
        student="Olívia Perim Dalvi",
        title="Previsão de safras de café com imagens de satélite",
        date=D(2027, 3, 10),
        time=T(9, 0),
        room="Sala 207 do Bloco C",
        members=[
            (ADV, "Heitor Casagrande Lube"),
            (INT, "Dário Schaeffer Lima"),
            (EXT, "Rute Caliman Brito"),
        ],
    ),
    # A student's single paragraph from a phone, no accents, the external still unknown.
    "phone_paragraph_external_still_unknown": Voice(
        subject="defesa",
        from_="Yuri Zorzal <yuri.zorzal@gmail.com>",
        body=(
            "oi, boa noite, sou o Yuri Zorzal Pimentel do mestrado, a prof Sandra pediu pra "
            "eu mandar os dados da minha defesa, la vai: titulo Deteccao de anomalias em "
            "logs de servidores com autoencoders, vai ser qua, 24/mar as 15h no auditorio "
            "do bloco A, banca a prof Sandra Loss Bragatto que e minha orientadora, o prof "
            "Caio Merlo Siqueira aqui do ifes e o externo ainda a convidar, obrigado!!\n\n"
            "Enviado do meu iPhone"
        ),
        student="Yuri Zorzal Pimentel",
        title="Deteccao de anomalias em logs de servidores com autoencoders",
        date=D(2027, 3, 24),
        time=T(15, 0),
        room="auditorio do bloco A",
        members=[(ADV, "Sandra Loss Bragatto"), (INT, "Caio Merlo Siqueira")],
        missing=["external"],
    ),
}


@pytest.mark.parametrize("voice", VOICES.values(), ids=VOICES.keys())
def test_voice_is_read_as_a_secretary_reads_it(voice):
    assert mismatches(voice) == []


def test_a_link_promised_in_english_is_awaited():
    voice = Voice(
        subject="Defense scheduling",
        from_="Marta Sessa Frinhani <marta.frinhani@ifes.edu.br>",
        body=(
            "Dear colleagues,\n\nStudent: Otto Kiefer Lyra\n"
            "Title: Graph neural networks for traffic forecasting\n"
            "Date: 2027-03-15\nTime: 10:00\nVenue: Sala 104 do Bloco B, hybrid\n"
            "Committee: Prof. Marta Sessa Frinhani (advisor, Ifes); Prof. Ivo Bissoli "
            "Lemos (Ifes); Prof. Karl Berg (KTH)\n\n"
            "I will send the video-conference link as soon as the IT team creates the "
            "room.\n\nBest,\nMarta"
        ),
        student="Otto Kiefer Lyra",
        title="Graph neural networks for traffic forecasting",
        date=D(2027, 3, 15),
        time=T(10, 0),
        room="Sala 104 do Bloco B",
        members=[(ADV, "Marta Sessa Frinhani"), (INT, "Ivo Bissoli Lemos"), (EXT, "Karl Berg")],
        promised=["link"],
    )
    assert mismatches(voice) == []
