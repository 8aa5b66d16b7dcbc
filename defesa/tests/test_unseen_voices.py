# ruff: noqa: E501 - the messages keep their lines as written
"""Defence requests in voices written for the second reading corpus's classes (reschedules
in quoted replies, the student named only in the subject, students writing for their
advisor, qualified titles, "Quando:/Onde:" labels...), in words of their own: each value
must be the one a secretary reads, and what needs a look is marked."""

import datetime

from defesa import reading

OWN = ["Ifes", "Instituto Federal do Espírito Santo", "PPComp"]
REFERENCE = datetime.date(2027, 2, 1)


def _read(body, *, writer="", subject="", answer=False):
    return reading.read_defense(
        body_text=body,
        writer=writer,
        subject=subject,
        own_institutions=OWN,
        reference=REFERENCE,
        answer=answer,
    )


def _members(data):
    return {(m.role, m.name) for m in data.members}


RESCHEDULE = """Oi, Sônia, tudo bem?

Vamos ter que mudar a defesa da Yasmin: a nova data é 16 de março, terça, às 10h. O resto fica igual.

Obrigado,
Otávio

Em qui., 4 de fev. de 2027 às 09:12, Otávio Salles Pretti <otavio.pretti@ifes.edu.br> escreveu:
> Prezada Sônia,
>
> Peço o agendamento da defesa de mestrado da Yasmin Bertoldi Zamprogno.
>
> Título: Roteamento ciente de energia em redes de sensores sem fio
> Data: 9/3/2027
> Horário: 14h
> Local: sala 112
> Banca:
> - Otávio Salles Pretti (orientador)
> - Renata Bissoli Vieira (Ifes)
> - Mateus Cordeiro Nunes (UFES)
>
> Otávio
"""


def test_a_reschedule_reads_the_new_date_and_the_rest_from_the_quoted_request():
    found = _read(RESCHEDULE, writer="Otávio Salles Pretti", subject="Re: Defesa Yasmin")
    data = found.data
    assert data.date == datetime.date(2027, 3, 16)  # the new one, not the quoted 9/3
    assert data.time == datetime.time(10, 0)
    assert data.student == "Yasmin Bertoldi Zamprogno"
    assert data.title == "Roteamento ciente de energia em redes de sensores sem fio"
    assert data.room == "112"
    assert _members(data) == {
        ("advisor", "Otávio Salles Pretti"),
        ("internal", "Renata Bissoli Vieira"),
        ("external", "Mateus Cordeiro Nunes"),
    }
    # what came from the quoted request is marked, with its span in the email
    assert found.checks["title"] == "quoted" and found.checks["member:0"] == "quoted"
    span = found.provenance["title"]
    assert RESCHEDULE[span["start"] : span["end"]] == data.title
    assert "date" not in found.checks or found.checks["date"] != "quoted"


def test_the_quoted_attribution_date_is_no_defence_date():
    body = """Bom dia,

segue a composição que faltava, a data continua a mesma.

Em 3 de fevereiro de 2027 10:40, Cíntia Lobo Ferraz escreveu:
> Solicito a defesa do Anderson Freitas Louzada, dia 12/04/2027, às 15h, na sala 208.
"""
    data = _read(body, writer="Cíntia Lobo Ferraz", subject="Re: defesa").data
    assert data.date == datetime.date(2027, 4, 12)
    assert data.student == "Anderson Freitas Louzada"


def test_an_answer_to_our_form_reads_only_what_its_writer_wrote():
    body = """Obrigado, envio a banca amanhã.

Em 5 de fevereiro de 2027 08:00, Secretaria PPComp <ppcomp@ifes.edu.br> escreveu:
> Título: Roteamento ciente de energia em redes de sensores sem fio
> Data: 9/3/2027
"""
    found = _read(body, subject="Re: Defesa - Yasmin Bertoldi Zamprogno", answer=True)
    # our own quoted form and subject are not read into the answer as the writer's
    assert found.data.student == ""
    assert "quoted" not in found.checks.values()
    assert "from_subject" not in found.checks.values()


def test_the_student_named_only_in_the_subject():
    body = """Prezados,

solicito o agendamento da defesa do meu orientando para o dia 20 de abril de 2027, às 9h, na sala 105.
A banca será presidida por mim, com a Profa. Tatiana Lemos Guarnier (Ifes) e o Prof. Ulisses Veloso Brum (UFRJ).
O título é “Compressão de nuvens de pontos LiDAR com redes implícitas”.

Hélio Duarte Sodré"""
    for subject in (
        "Defesa - Wagner Cunha Pimentel",
        "ENC: Defesa de mestrado do Wagner Cunha Pimentel",
        "FW: Master's defence of Wagner Cunha Pimentel",
    ):
        found = _read(body, writer="Hélio Duarte Sodré", subject=subject)
        assert found.data.student == "Wagner Cunha Pimentel"
        assert found.checks["student"] == "from_subject"
        assert found.provenance["student"]["rule"] == "subject"
    # a first name alone in the subject is no student
    found = _read(body, writer="Hélio Duarte Sodré", subject="Defesa do Wagner")
    assert found.data.student == ""


def test_a_student_who_writes_for_their_advisor_is_the_student_not_a_member():
    body = """Boa tarde,

a pedido do meu orientador, Prof. Caio Martins Veiga, que está em viagem, eu mesma envio os dados da minha defesa.

Título: Reconhecimento de gestos em Libras com redes recorrentes
Data: 22/03/2027
Horário: 16h
Local: sala 301
Banca: Prof. Caio Martins Veiga (presidente), Profa. Lúcia Baptista Ramos (Ifes), Prof. Igor Santana Pires (UFMG)

Obrigada,
Isadora Pinheiro Gama"""
    found = _read(body, writer="Isadora Pinheiro Gama", subject="Dados da defesa")
    data = found.data
    assert data.student == "Isadora Pinheiro Gama"
    assert found.checks["student"] == "prose"
    assert _members(data) == {
        ("advisor", "Caio Martins Veiga"),
        ("internal", "Lúcia Baptista Ramos"),
        ("external", "Igor Santana Pires"),
    }


def test_a_qualified_title_and_when_where_labels():
    body = """Olá!

Peço agendar a defesa da Priscila Alves Bortolini, com o título provisório “Previsão de demanda de energia com modelos híbridos” — o final pode mudar um pouco.

Quando: 14/04/2027, às 13h30
Onde: Auditório do Bloco B

Banca: eu (orientador), Sérgio Mattos Frade (Ifes) e Beatriz Luz Carneiro (UFES).

Fernando Paiva Lucas"""
    data = _read(body, writer="Fernando Paiva Lucas").data
    assert data.title == "Previsão de demanda de energia com modelos híbridos"
    assert data.date == datetime.date(2027, 4, 14)
    assert data.time == datetime.time(13, 30)
    assert data.room == "Auditório do Bloco B"


def test_prose_that_starts_with_the_day_keeps_the_building_and_presido_is_the_writer():
    body = """Prezada secretaria,

Solicito a defesa do meu orientando Vítor Hugo Casagrande. O título oficial é Detecção de fraudes em notas fiscais eletrônicas com grafos, e a apresentação será em português.

Dia 18/05, terça, às 10h, na sala 101 do Bloco D.

Presido a banca, que terá ainda a Profa. Noemi Sartori Lima, do Ifes, e o Prof. Rui Teixeira Leal, da UFPE.

Prof. Dr. Marcos Aurélio Frisso"""
    data = _read(body, writer="Marcos Aurélio Frisso").data
    assert data.student == "Vítor Hugo Casagrande"
    assert data.title == "Detecção de fraudes em notas fiscais eletrônicas com grafos"
    assert data.date == datetime.date(2027, 5, 18)
    assert data.time == datetime.time(10, 0)
    assert data.room == "Sala 101 do Bloco D"
    assert _members(data) == {
        ("advisor", "Marcos Aurélio Frisso"),
        ("internal", "Noemi Sartori Lima"),
        ("external", "Rui Teixeira Leal"),
    }


def test_a_link_promised_for_later_is_awaited():
    body = """Bom dia,

segue o pedido do Raul, de acordo. O link eu mando depois.

Aluno: Raul Gama Fiorio
Título: Segmentação semântica de imagens de satélite com poucos rótulos
Data: 10/05/2027
Horário: 9h
Sala: 204 (híbrida)
Orientador: Lauro Pinheiro Matos
Membro interno: Celso Dias Faria
Membro externo: Vera Lúcia Amaral (UFRJ) - remota"""
    found = _read(body, writer="Lauro Pinheiro Matos")
    assert found.data.link == ""
    assert found.promised == ["link"]
    given = _read(body.replace("O link eu mando depois.", "Link: https://meet.google.com/xyz"))
    assert given.promised == [] and given.data.link == "https://meet.google.com/xyz"


TITLE_LATER = """Oi Solange,
a defesa do Henrique Bravin Lopes fica dia 12/05 às 14h na sala 105. {title}
Banca: eu (orientador), Paulo Cesar Ramos (Ifes) e Ana Beatriz Torres (UFES).
Marcos"""


def test_a_title_that_points_elsewhere_or_comes_later_is_missing():
    for said in (
        "O título é o mesmo da qualificação, mando depois.",
        "O título definitivo eu mando depois.",
        "Título: o mesmo da qualificação (mando depois a versão final)",
        "O trabalho tem como título provisório o mesmo da qualificação; envio o definitivo em breve.",
        "Título: mando depois",
    ):
        data = _read(TITLE_LATER.format(title=said), writer="Marcos Pinto Lira").data
        assert data.title == "", said
        assert "title" in data.missing_fields()
    body = TITLE_LATER.format(
        title="\nTítulo provisório: Redes de Petri coloridas aplicadas a protocolos"
    )
    assert _read(body, writer="Marcos Pinto Lira").data.title == (
        "Redes de Petri coloridas aplicadas a protocolos"
    )


def test_a_long_email_the_student_as_a_sentences_subject_and_a_course_time_ignored():
    body = """Olá, Sônia e Gilberto,

Seguem as informações do semestre e, aproveitando, um pedido de defesa.

DISCIPLINAS
- Visão Computacional (60h): quartas, das 8h às 12h, no laboratório 2.

DEFESA
A Natália Brunoro Fiorin terminou a dissertação "Contagem de veículos em vídeo com detectores leves" e vai defender em 7 de junho de 2027, às 15h, na sala 203. A banca será presidida por mim e terá a Profa. Débora Antunes Pinto, do Ifes, e o Dr. Fausto Lemos Prata, da Petrobras. O Prof. Gilberto já deu o de acordo, mas não participa.

Abraço,
Rodolfo

--
Prof. Dr. Rodolfo Sian Tavares
Coordenador de Extensão – LabVis Ifes
"""
    data = _read(body, writer="Rodolfo Sian Tavares", subject="Semestre + defesa").data
    assert data.student == "Natália Brunoro Fiorin"
    assert data.time == datetime.time(15, 0)
    assert _members(data) == {
        ("advisor", "Rodolfo Sian Tavares"),
        ("internal", "Débora Antunes Pinto"),
        ("external", "Fausto Lemos Prata"),
    }


def test_a_forwarder_outside_the_committee_institutions_in_other_shapes():
    body = """Bom dia,

O Prof. Ulisses Ramos Fonseca está em viagem e me pediu que encaminhasse o pedido: a defesa da dissertação Redes de sensores para monitoramento de encostas será no dia 9 de abril de 2027, às 14h, na sala 102. A banca será composta pelo Prof. Ulisses (orientador), pela Profa. Lara Gomes Viana (Ifes), pela Dra. Hanna Müller, University of Stuttgart, e pelo Dr. Otto Rangel Sá (EDP Espírito Santo).

Eu não faço parte da banca; apenas repasso o pedido.

Profa. Ivone Saraiva Leão
Chefe do Departamento"""
    found = _read(body, writer="Ivone Saraiva Leão", subject="Defesa - Camilo Teixeira Bravo")
    data = found.data
    assert data.title == "Redes de sensores para monitoramento de encostas"
    assert data.student == "Camilo Teixeira Bravo"
    names = {m.name for m in data.members}
    assert "Ivone Saraiva Leão" not in names
    assert "EDP Espírito Santo" not in names and "University of Stuttgart" not in names
    assert ("internal", "Lara Gomes Viana") in _members(data)


def test_a_time_span_gives_its_start():
    body = """Caros, peço a defesa do Túlio Amorim Lage, intitulada "Previsão de safras com imagens de satélite", para 14/06/2027, das 9h às 11h, na sala 110. Banca: eu (orientadora), Paula Reis Dutra (Ifes) e Igor Feitosa Luz (UFV).
Marta"""
    data = _read(body, writer="Marta Cunha Rios").data
    assert data.time == datetime.time(9, 0)


def test_two_defences_told_in_prose_give_the_first_and_name_the_second():
    body = """Olá, Sônia,

quero deixar marcadas as duas defesas do meu grupo em junho.

A primeira é o Ícaro Bremenkamp Luz, que defende "Detecção de quedas com radar de baixo custo" no dia 8/6, às 9h, na sala 201. Banca: eu (orientador), a Profa. Luíza Rocha Prado (Ifes) e o Prof. André Lessa Neves (UFES).

Depois vem a Yara Tonini Bastos, com "Aprendizado ativo para rotulagem de textos jurídicos", no dia 15/6, às 14h, também na 201, com eu, o Prof. Hélio Saraiva Dutra (Ifes) e a Profa. Carla Moreno Lins, da UFMG, por videoconferência (https://meet.google.com/aaa-bbbb-ccc).

Obrigado!
Fábio Campos Reis"""
    found = _read(body, writer="Fábio Campos Reis", subject="Duas defesas em junho")
    data = found.data
    assert data.student == "Ícaro Bremenkamp Luz"
    assert data.date == datetime.date(2027, 6, 8)
    assert data.link == ""
    assert _members(data) == {
        ("advisor", "Fábio Campos Reis"),
        ("internal", "Luíza Rocha Prado"),
        ("external", "André Lessa Neves"),
    }
    assert found.checks["student"] == "several_defences"
    assert "Aprendizado ativo para rotulagem de textos jurídicos" in found.several


def test_the_old_date_after_em_vez_de_is_not_the_new_one():
    body = """Solange, em vez de 17/11, a defesa do Mateus Pinheiro Lobo fica para 24/11/2027, às 14h, na sala 109."""
    data = _read(body, writer="Ana Ruth Costa", subject="Re: Defesa Mateus").data
    assert data.date == datetime.date(2027, 11, 24)


def test_a_student_who_speaks_of_their_advisor_is_the_student():
    body = """Boa tarde!

Meu orientador, o Prof. Lauro Teixeira Dias, pediu que eu mandasse os dados da defesa para vocês:

Título: Detecção de bots em redes sociais com grafos temporais
Data: 02/06/2027
Horário: 10h
Sala: [preencher]
Banca: Prof. Lauro Teixeira Dias (orientador), Profa. Cecília Faria Porto (Ifes), Prof. Breno Sales Vidal (UFES)

Obrigado,
Rômulo Fardin Soares"""
    found = _read(body, writer="Rômulo Fardin Soares", subject="Dados da defesa")
    assert found.data.student == "Rômulo Fardin Soares"
    assert found.data.room == "" and "room" in found.data.missing_fields()
    assert "Rômulo Fardin Soares" not in {m.name for m in found.data.members}


def test_a_lab_named_by_its_acronym_is_the_room_and_a_planned_date_label():
    body = """Prezados,

Solicito a defesa do meu orientando Otávio Sarmento Nery, cujo título é Planejamento de trajetórias para drones em ambientes internos. A defesa será no dia 21/05/2027, às 15h, no LabSiN.

Banca: eu (orientador), Profa. Ester Lima Goulart (Ifes), Prof. Vitor Hugo Assis (UFRN).

Sandro Rangel Mota"""
    data = _read(body, writer="Sandro Rangel Mota").data
    assert data.room == "LabSiN"
    form = """Discente: Otávio Sarmento Nery
Título do trabalho: Planejamento de trajetórias para drones
Data prevista: 21/05/2027
Horário previsto: 15h
Local/Sala: 108
Orientador(a): Sandro Rangel Mota
Avaliador interno: Ester Lima Goulart
Avaliador externo: Vitor Hugo Assis (UFRN)"""
    data = _read(form, writer="Sandro Rangel Mota").data
    assert (data.date, data.time, data.room) == (
        datetime.date(2027, 5, 21),
        datetime.time(15, 0),
        "108",
    )


def test_a_virtual_room_address_promised_in_other_words_is_awaited():
    for said in (
        "O endereço da sala virtual para o membro externo eu mando assim que ele me passar.",
        "Mando o endereço da videoconferência na semana que vem.",
        "A sala virtual ainda vai ser criada, envio depois.",
    ):
        body = f"""Bom dia,

a defesa da Paula Sarmento Viana será em 12/05/2027, às 10h, na sala 203, com o membro externo a distância. {said}

Título: Análise de redes de coautoria com grafos dinâmicos
Banca: eu (orientador), Joana Leite Prado (Ifes) e Caio Brum Sales (UFRGS).

Renan Vieira Dutra"""
        assert _read(body, writer="Renan Vieira Dutra").promised == ["link"], said
