# ruff: noqa: E501 - the messages keep their lines as written
"""Defence requests as they arrive (raw messages through intake's parser), in voices of
the second corpus's classes written here in words of their own: Outlook replies and
forwards, HTML tables with placeholders, English, reschedules, a forward as an attachment.
Each value must be the one a secretary reads."""

import datetime
from email.message import EmailMessage

from defesa import reading
from emails.parsing import parse_email
from testing.mail import make_raw

OWN = ["Ifes", "Instituto Federal do Espírito Santo", "PPComp"]


def _read(raw: bytes):
    parsed = parse_email(raw)
    return reading.read_defense(
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        writer=(parsed.original_from_name if parsed.forwarded else "") or parsed.from_name,
        forwarded=parsed.forwarded,
        subject=parsed.subject,
        own_institutions=OWN,
        reference=datetime.date(2027, 2, 1),
    )


def _members(data):
    return {(m.role, m.name) for m in data.members}


OUTLOOK_RESCHEDULE = """Solange, a banca pediu para trocar o horário: passa para as 16h, e a sala muda para a 210. O resto continua.

Att.,
Beatriz

________________________________
De: Beatriz Coutinho Lamas <beatriz.lamas@ifes.edu.br>
Enviado: quarta-feira, 3 de fevereiro de 2027 10:15
Para: Secretaria PPComp <ppcomp@ifes.edu.br>
Assunto: Agendamento de defesa - Tomás Ribeiro Falcão

Prezada Solange,

solicito o agendamento da defesa do meu orientando Tomás Ribeiro Falcão.

Título: Classificação de doenças em folhas de café com redes convolucionais
Data: 23/03/2027
Horário: 9h
Sala: 104
Banca: Beatriz Coutinho Lamas (orientadora), Jonas Prado Leite (Ifes) e Mirela Tosta Dias (UFES)
"""


def test_an_outlook_reply_changes_the_time_and_room_and_keeps_the_rest():
    data = _read(
        make_raw(
            subject="RE: Agendamento de defesa - Tomás Ribeiro Falcão",
            from_="Beatriz Coutinho Lamas <beatriz.lamas@ifes.edu.br>",
            body=OUTLOOK_RESCHEDULE,
        )
    ).data
    assert (data.time, data.room) == (datetime.time(16, 0), "210")
    assert data.date == datetime.date(2027, 3, 23)
    assert data.student == "Tomás Ribeiro Falcão"
    assert data.title == "Classificação de doenças em folhas de café com redes convolucionais"
    assert _members(data) == {
        ("advisor", "Beatriz Coutinho Lamas"),
        ("internal", "Jonas Prado Leite"),
        ("external", "Mirela Tosta Dias"),
    }


def test_instead_of_the_old_date_the_new_one():
    body = """Bom dia, Solange.

Em vez de 17/05, a defesa da Lívia Rezende Campos será no dia 24/05/2027, às 10h, na mesma sala 108, agora híbrida: https://meet.google.com/qwe-rtyu-iop

Título e banca seguem os mesmos: "Reconhecimento de placas veiculares em baixa resolução", com eu (orientador), a Profa. Sônia Dias Leal (Ifes) e o Prof. Luan Vieira Melo (UFSC).

Carlos Eduardo Pimenta"""
    data = _read(
        make_raw(
            subject="Re: Defesa Lívia",
            from_="Carlos Eduardo Pimenta <carlos.pimenta@ifes.edu.br>",
            body=body,
        )
    ).data
    assert data.date == datetime.date(2027, 5, 24)
    assert data.link == "https://meet.google.com/qwe-rtyu-iop"


def test_a_reply_fills_what_our_quoted_summary_left_to_be_defined():
    body = """horario 10h e sala 207, pode confirmar

Enviado do meu iPhone

> Em 2 de fev. de 2027, às 11:00, Secretaria PPComp <ppcomp@ifes.edu.br> escreveu:
>
> Professor, segue o resumo do pedido:
> Aluna: Júlia Paganini Rocha
> Título: Redes neurais para previsão de cheias
> Data: 20/04/2027
> Horário: a definir
> Sala: a definir
> Banca: Marcos Pinto Lira (orientador), Rita Gomes Sales (Ifes), Pedro Souza Lima (UFES)
"""
    found = _read(
        make_raw(
            subject="Re: Resumo da defesa",
            from_="Marcos Pinto Lira <marcos.lira@ifes.edu.br>",
            body=body,
        )
    )
    data = found.data
    assert (data.time, data.room) == (datetime.time(10, 0), "207")
    assert data.date == datetime.date(2027, 4, 20)
    assert data.student == "Júlia Paganini Rocha"
    assert data.missing_fields() == []


HTML_TABLE = """<html><body><div>Prezada secretaria,</div><div>&nbsp;</div>
<div>Seguem os dados da defesa. Alguns itens ainda est&atilde;o em aberto.</div>
<table border="1"><tr><td>Aluno</td><td>Wesley Tardin Moraes</td></tr>
<tr><td>T&iacute;tulo</td><td>Compress&atilde;o de v&iacute;deo com autoencoders</td></tr>
<tr><td>Data</td><td>a definir</td></tr>
<tr><td>Hor&aacute;rio</td><td>14h</td></tr>
<tr><td>Sala</td><td>205</td></tr>
<tr><td>Link</td><td>(envio depois)</td></tr>
<tr><td>Orientador</td><td>Prof. Hugo Vervloet Sá</td></tr>
<tr><td>Membro interno</td><td>Profa. Ana Clara Bassini (Ifes)</td></tr>
<tr><td>Membro externo</td><td>Prof. Saulo Mattos Vidal (UFRJ)</td></tr>
<tr><td>Suplente</td><td>Prof. Dirceu Lima Amaral (Ifes)</td></tr></table>
<div>Att.,<br>Hugo</div></body></html>"""


def test_an_html_table_with_placeholders_and_a_substitute():
    raw = EmailMessage()
    raw["Subject"] = "Dados da defesa"
    raw["From"] = "Hugo Vervloet Sá <hugo.sa@ifes.edu.br>"
    raw["To"] = "ppcomp@ifes.edu.br"
    raw["Message-ID"] = "<table-placeholders@test.example>"
    raw.set_content(HTML_TABLE, subtype="html")
    found = _read(raw.as_bytes())
    data = found.data
    assert data.date is None and "date" in data.missing_fields()
    assert data.link == "" and found.promised == ["link"]
    assert _members(data) == {
        ("advisor", "Hugo Vervloet Sá"),
        ("internal", "Ana Clara Bassini"),
        ("external", "Saulo Mattos Vidal"),
    }


ENGLISH = """Dear PPComp secretariat,

I am writing on behalf of my student Kaio Brandão Netto to schedule his master's defence. The thesis is entitled "Federated learning for anomaly detection in smart grids". The defence will take place on May 4, 2027 at 1:30 pm (Brasília time) via Zoom: https://us02web.zoom.us/j/8812345678

The committee will be:
- Prof. Renata Alves Brum (advisor, Ifes)
- Prof. Jean-Luc Tremblay (co-advisor, Université de Montréal)
- Prof. Amanda Lo (external member, University of Waterloo)
- Prof. Caio Ferraz Lopes (internal member, Ifes)

Best regards,
Renata Alves Brum"""


def test_a_request_all_in_english():
    data = _read(
        make_raw(
            subject="Master's defence - Kaio Brandão Netto",
            from_="Renata Alves Brum <renata.brum@ifes.edu.br>",
            body=ENGLISH,
        )
    ).data
    assert data.student == "Kaio Brandão Netto"
    assert data.title == "Federated learning for anomaly detection in smart grids"
    assert (data.date, data.time) == (datetime.date(2027, 5, 4), datetime.time(13, 30))
    assert data.link == "https://us02web.zoom.us/j/8812345678"
    assert _members(data) == {
        ("advisor", "Renata Alves Brum"),
        ("coadvisor", "Jean-Luc Tremblay"),
        ("external", "Amanda Lo"),
        ("internal", "Caio Ferraz Lopes"),
    }


def test_i_will_preside_a_dash_list_with_a_substitute_and_another_campus():
    body = """Boa tarde!

Eu serei a presidente da banca de defesa da minha orientanda Sabrina Gusmão Reis, que apresenta a dissertação “Detecção de discurso tóxico em jogos online” no dia 11 de maio de 2027, às 9h, na sala 306.

Os demais membros:
- Prof. Henrique Calmon Dias (Ifes campus Colatina)
- Profa. Wilma Barcellos Rios (UFOP)
- suplente: Prof. Arnaldo Pessoa Leal (ArcelorMittal)

Abraços,
Tatiane Moulin Sá"""
    data = _read(
        make_raw(
            subject="Defesa de mestrado",
            from_="Tatiane Moulin Sá <tatiane.sa@ifes.edu.br>",
            body=body,
        )
    ).data
    assert data.student == "Sabrina Gusmão Reis"
    assert _members(data) == {
        ("advisor", "Tatiane Moulin Sá"),
        ("internal", "Henrique Calmon Dias"),
        ("external", "Wilma Barcellos Rios"),
    }


def test_an_outlook_english_forward_of_a_students_form():
    body = """Secretaria, segue o pedido do meu aluno, estou de acordo.
Prof. Abel

From: Diego Salazar Pinto <diego.pinto@aluno.ifes.edu.br>
Sent: Monday, February 8, 2027 8:02 PM
To: Abel Nunes Ferraz <abel.ferraz@ifes.edu.br>
Subject: Dados para a defesa

Professor, seguem os dados:
Aluno: Diego Salazar Pinto
Título: Otimização de hiperparâmetros com algoritmos evolutivos
Data: 15/04/2027
Horário: 14h
Sala: 207
Orientador: Abel Nunes Ferraz
Membro interno: Fabiana Costa Rios
Membro externo: Gustavo Lemke Braga (UFES)
"""
    data = _read(
        make_raw(
            subject="FW: Dados para a defesa",
            from_="Abel Nunes Ferraz <abel.ferraz@ifes.edu.br>",
            body=body,
        )
    ).data
    assert data.student == "Diego Salazar Pinto"
    assert data.date == datetime.date(2027, 4, 15)
    assert _members(data) == {
        ("advisor", "Abel Nunes Ferraz"),
        ("internal", "Fabiana Costa Rios"),
        ("external", "Gustavo Lemke Braga"),
    }


def test_a_coordinator_forwards_as_an_attachment_the_student_only_in_the_subject():
    inner = EmailMessage()
    inner["Subject"] = "Defesa - Patrícia Loureiro Bastos"
    inner["From"] = "Rui Campos Nery <rui.nery@ifes.edu.br>"
    inner["To"] = "coordenacao.ppcomp@ifes.edu.br"
    inner["Date"] = "Tue, 2 Feb 2027 09:00:00 -0300"
    inner.set_content(
        "Coordenador, peço encaminhar o pedido de defesa da minha orientanda: será no dia "
        "30 de março de 2027, às 14h, na sala 201. O título é “Análise de sentimentos em "
        "avaliações de aplicativos”. A banca terá a mim como orientador, a Profa. Eliane "
        "Moraes Pinto (Ifes) e o Prof. Tadeu Faria Góes (UFMG).\n\nRui"
    )
    outer = EmailMessage()
    outer["Subject"] = "Fwd: Defesa - Patrícia Loureiro Bastos"
    outer["From"] = "Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>"
    outer["To"] = "ppcomp@ifes.edu.br"
    outer["Message-ID"] = "<attached-forward@test.example>"
    outer.set_content("Segue para providências.")
    outer.add_attachment(inner)
    data = _read(outer.as_bytes()).data
    assert data.student == "Patrícia Loureiro Bastos"
    assert data.date == datetime.date(2027, 3, 30)
    assert _members(data) == {
        ("advisor", "Rui Campos Nery"),
        ("internal", "Eliane Moraes Pinto"),
        ("external", "Tadeu Faria Góes"),
    }
