"""More ways of asking for a lab account, written afresh (new names, new phrasings) so the
reader's rules are tried on voices they were not made from: the name only in the
signature, HTML-only mail from an advisor, visiting students writing in English, forwards
of the advisor's authorisation inline and as an attachment, a lower-case signature, a
student named only in the Subject, a request among other matters, nicknames, and a
professor who never names the student. Each message goes through parse_email as intake
reads it, then through access_read as the request workflow does."""

from email.message import EmailMessage

import pytest

from acesso import services
from acesso.models import AccessRequest
from emails import services as email_services
from emails.parsing import parse_email
from pipeline import steps
from testing.mail import make_raw


def _read(raw: bytes):
    return services.access_read(parse_email(raw))


def _html_only(*, html: str, from_: str, subject: str, charset: str = "utf-8") -> bytes:
    """An HTML-only message as Outlook on the web sends one (no text/plain part)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = from_
    msg["To"] = "secretaria.ppcomp@ifes.edu.br"
    msg["Date"] = "Tue, 04 Mar 2025 10:21:00 -0300"
    msg["Message-ID"] = "<owa-html-only@ifes.edu.br>"
    msg.set_content(html, subtype="html", charset=charset)
    return msg.as_bytes()


# -- 1. "como faço para conseguir login": the full name only in the signature -----------------


@pytest.mark.parametrize(
    ("from_", "body", "name"),
    [
        (
            "Lucas <lucas.sossai@aluno.ifes.edu.br>",
            "Boa tarde,\n\ncomo faço para conseguir login nos computadores do laboratório? "
            "Entrei agora no mestrado.\n\nAtt.,\nLucas Bremenkamp Sossai\nMestrando PPComp\n",
            "Lucas Bremenkamp Sossai",
        ),
        (
            "gabriela.loureiro@gmail.com",
            "Oi, como faço pra conseguir usuário no lab? Preciso rodar uns experimentos.\n"
            "— Gabriela Scherrer Loureiro\n",
            "Gabriela Scherrer Loureiro",
        ),
        (
            "Renan P. <renanpb@hotmail.com>",
            "Olá, bom dia.\nComo faço para conseguir um usuário no servidor do laboratório?\n\n"
            "Renan Piovesan Belisário\n(27) 99876-5432\n",
            "Renan Piovesan Belisário",
        ),
        (
            "Tiago <tiago.meneghel@gmail.com>",
            "Prezados,\n\ncomo faço para conseguir login e senha do laboratório? Estou "
            "cursando uma disciplina este semestre.\n\nGrato,\nTiago Fardin Meneghel\n"
            "Aluno especial\n",
            "Tiago Fardin Meneghel",
        ),
        (
            "Débora <debora.z@outlook.com>",
            "Como faço para conseguir usuário nas máquinas do lab?\n\nDébora Zamprogno Ruy\n"
            "Tel.: 27 3357-7500 ramal 2041\n",
            "Débora Zamprogno Ruy",
        ),
        (
            "Lucas <lucas.sossai@aluno.ifes.edu.br>",
            "Como faço para conseguir login?\n\nAtt.,\nLucas Bremenkamp Sossai | Mestrando "
            "PPComp\n",
            "Lucas Bremenkamp Sossai",
        ),
        (
            "Lucas <lucas.sossai@aluno.ifes.edu.br>",
            "Como faço para conseguir login?\n\nAtt.,\nLucas Bremenkamp Sossai - Mestrando "
            "PPComp\n",
            "Lucas Bremenkamp Sossai",
        ),
    ],
)
def test_the_full_name_only_in_the_signature(from_, body, name):
    who = _read(make_raw(subject="Login no laboratório", from_=from_, body=body))
    address = from_.split("<")[-1].rstrip(">")
    assert (who.name, who.email, who.requester_name) == (name, address, name)


# -- 2. an advisor's HTML-only mail (Outlook on the web), names with apostrophes, particles ----


@pytest.mark.parametrize(
    ("fragment", "name", "address"),
    [
        (
            "para meu orientando Pedro D&#39;&Aacute;vila Rangel (pedro.rangel@aluno.ifes.edu.br)",
            "Pedro D'Ávila Rangel",
            "pedro.rangel@aluno.ifes.edu.br",
        ),
        (
            "para a minha orientanda&nbsp;Luana Sant&#39;Anna Frizzera, e-mail&nbsp;"
            "luana.frizzera@aluno.ifes.edu.br",
            "Luana Sant'Anna Frizzera",
            "luana.frizzera@aluno.ifes.edu.br",
        ),
        (
            "para o aluno de mestrado Jos&eacute; Ant&ocirc;nio dos Santos Filho "
            "&lt;jose.santosfilho@aluno.ifes.edu.br&gt;",
            "José Antônio dos Santos Filho",
            "jose.santosfilho@aluno.ifes.edu.br",
        ),
        (
            "para Ot&aacute;vio D&rsquo;Oliveira Paix&atilde;o, meu orientando "
            "(otavio.paixao@aluno.ifes.edu.br)",
            "Otávio D’Oliveira Paixão",
            "otavio.paixao@aluno.ifes.edu.br",
        ),
    ],
)
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1"])
def test_an_advisor_writing_html_only(fragment, name, address, charset):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html"></head><body>'
        '<div style="font-family:Calibri,Arial">Prezada secretaria,</div><div><br></div>'
        f"<div>solicito a cria&ccedil;&atilde;o de uma conta nos computadores do "
        f"laborat&oacute;rio {fragment}.</div><div><br></div>"
        "<p>Desde j&aacute; agrade&ccedil;o.</p><div>Att.,<br>Profa. Marta Helena "
        "Cuzzuol<br>PPComp &ndash; Ifes</div></body></html>"
    )
    who = _read(
        _html_only(
            html=html,
            from_="Marta Helena Cuzzuol <marta.cuzzuol@ifes.edu.br>",
            subject="Conta no laboratório",
            charset=charset,
        )
    )
    assert (who.name, who.email) == (name, address)
    assert who.requester_name == "Marta Helena Cuzzuol"


# -- 3. a visiting student writing in English, the full name only in a sentence --------------


@pytest.mark.parametrize(
    ("from_", "sentence", "name"),
    [
        (
            "Anne V. <anne.vogt@tu-dresden.de>",
            "My name is Anneliese Vogt-Hartmann and I am an exchange student from TU Dresden",
            "Anneliese Vogt-Hartmann",
        ),
        (
            "Kenji <kenji.ws@keio.jp>",
            "I am Kenji Watanabe Sato, a visiting student from Keio University",
            "Kenji Watanabe Sato",
        ),
        (
            "Seun <seun.adeyemi@ui.edu.ng>",
            "I'm Oluwaseun Adeyemi Bello, a visiting PhD student from the University of Ibadan",
            "Oluwaseun Adeyemi Bello",
        ),
        (
            "T. W. <tomasz.w@pw.edu.pl>",
            "This is Tomasz Wiśniewski, an exchange student from Warsaw",
            "Tomasz Wiśniewski",
        ),
        (
            "Zuzana <zdvorakova@cvut.cz>",
            "I am a visiting researcher from CTU Prague; my name is Zuzana Dvořáková",
            "Zuzana Dvořáková",
        ),
    ],
)
def test_a_visiting_student_in_english(from_, sentence, name):
    body = (
        f"Hello,\n\n{sentence}. I will stay at Ifes until July and my supervisor here asked "
        "me to request a user account on the lab computers.\n\nThank you very much,\n"
        + from_.split(" <")[0]
    )
    who = _read(make_raw(subject="Lab account request", from_=from_, body=body))
    address = from_.split("<")[-1].rstrip(">")
    assert (who.name, who.email, who.requester_name) == (name, address, name)
    assert who.checks["student_name"] == "prose_self"


# -- 4. a student forwards the advisor's authorisation inline ----------------------------------

STUDENT = "Marina Zanotti Barcellos <marina.barcellos@aluno.ifes.edu.br>"
ADVISOR = "Ulisses Pretti Caliman <ulisses.caliman@ifes.edu.br>"
GMAIL_BLOCK = (
    "---------- Forwarded message ---------\nDe: {advisor}\n"
    "Date: seg., 3 de mar. de 2025 às 09:12\nSubject: Re: acesso ao lab\nTo: {student}\n\n"
)
OUTLOOK_PT = (
    "________________________________\nDe: {advisor}\n"
    "Enviado: segunda-feira, 3 de março de 2025 09:12\nPara: {student}\n"
    "Assunto: RE: acesso ao lab\n\n"
)
OUTLOOK_EN = (
    "________________________________\nFrom: {advisor}\n"
    "Sent: Monday, March 3, 2025 9:12 AM\nTo: {student}\nSubject: RE: acesso ao lab\n\n"
)
ADVISOR_NOTES = [
    "Marina,\n\npode pedir o acesso, está autorizado.\n\nAbs,\nUlisses\n",
    "Pode pedir o acesso sim.\n\nUlisses\n",
    "Autorizo o acesso da aluna Marina Zanotti Barcellos aos computadores do laboratório."
    "\n\nProf. Ulisses Pretti Caliman\n",
    "Ok, pode solicitar a conta no laboratório.\nAtt.\nUlisses P. Caliman\n",
]


@pytest.mark.parametrize(
    ("block", "subject"),
    [
        (GMAIL_BLOCK, "Fwd: acesso ao lab"),
        (OUTLOOK_PT, "ENC: acesso ao lab"),
        (OUTLOOK_EN, "FW: acesso ao lab"),
    ],
)
@pytest.mark.parametrize("note", ADVISOR_NOTES)
def test_a_student_forwards_the_advisors_authorisation(block, subject, note):
    body = (
        "Boa tarde,\n\nsegue abaixo a autorização do meu orientador para o acesso ao "
        "laboratório.\n\nObrigada,\nMarina Zanotti Barcellos\n\n"
        + block.format(advisor=ADVISOR, student=STUDENT)
        + note
    )
    who = _read(make_raw(subject=subject, from_=STUDENT, body=body))
    assert (who.name, who.email) == (
        "Marina Zanotti Barcellos",
        "marina.barcellos@aluno.ifes.edu.br",
    )
    assert who.requester_name == "Ulisses Pretti Caliman"
    assert who.requester_email == "ulisses.caliman@ifes.edu.br"


# -- 5. the coordinator forwards the advisor's request as an attachment ------------------------


def _attached(*, cover: str, from_: str, inner_from: str, inner_body: str) -> bytes:
    inner = EmailMessage()
    inner["Subject"] = "Acesso ao laboratório"
    inner["From"] = inner_from
    inner["To"] = from_
    inner["Date"] = "Mon, 03 Mar 2025 08:40:00 -0300"
    inner["Message-ID"] = "<advisor-original@ifes.edu.br>"
    inner.set_content(inner_body)
    outer = EmailMessage()
    outer["Subject"] = "Fwd: Acesso ao laboratório"
    outer["From"] = from_
    outer["To"] = "secretaria.ppcomp@ifes.edu.br"
    outer["Date"] = "Mon, 03 Mar 2025 11:02:00 -0300"
    outer["Message-ID"] = "<coordinator-cover@ifes.edu.br>"
    outer.set_content(cover)
    outer.add_attachment(inner)
    return outer.as_bytes()


@pytest.mark.parametrize(
    ("coordinator", "cover"),
    [
        ("Renata Loss Coutinho <renata.coutinho@ifes.edu.br>", "Segue para providências.\n"),
        ("Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>", "Por favor, verificar.\n"),
        ("Fabrício Dalla Bernardina <fabricio.db@ifes.edu.br>", "Favor atender.\nFabrício\n"),
    ],
)
@pytest.mark.parametrize(
    ("inner_body", "name", "address"),
    [
        (
            "Prezada coordenação,\n\npeço acesso ao laboratório para o meu novo orientando, "
            "Caíque Tesch Pimentel (caique.pimentel@aluno.ifes.edu.br).\n\nAtt.,\n"
            "Hélio Mattedi Sarmento\n",
            "Caíque Tesch Pimentel",
            "caique.pimentel@aluno.ifes.edu.br",
        ),
        (
            "Olá,\n\na bolsista Yasmin Kuster Almeida precisa de uma conta nos computadores "
            "do laboratório.\n\nHélio\n",
            "Yasmin Kuster Almeida",
            "",
        ),
    ],
)
def test_a_coordinator_forwards_the_advisors_request_attached(
    coordinator, cover, inner_body, name, address
):
    who = _read(
        _attached(
            cover=cover,
            from_=coordinator,
            inner_from="Hélio Mattedi Sarmento <helio.sarmento@ifes.edu.br>",
            inner_body=inner_body,
        )
    )
    assert (who.name, who.email) == (name, address)
    assert who.requester_email == "helio.sarmento@ifes.edu.br"
    assert who.requester_name == "Hélio Mattedi Sarmento"


# -- 6. a terse reactivation signed in lower case ---------------------------------------------


@pytest.mark.parametrize(
    ("from_", "body", "name"),
    [
        (
            "jpvieira2001@gmail.com",
            "oi\nminha conta expirou, preciso de novo\n\njoão pedro vieira",
            "João Pedro Vieira",
        ),
        (
            "JP <jpvieira2001@gmail.com>",
            "minha conta do lab expirou, preciso dela de novo pra terminar a dissertação\n"
            "valeu\njoão pedro vieira\n",
            "João Pedro Vieira",
        ),
        (
            "Maria <maria.dasdores@hotmail.com>",
            "bom dia, meu usuario expirou. preciso de novo\nobrigada\nmaria das dores lyrio",
            "Maria das Dores Lyrio",
        ),
        (
            "kaue.bissoli@gmail.com",
            "conta expirou, consegue reativar?\n\n-- \nkauê de souza bissoli\n",
            "Kauê de Souza Bissoli",
        ),
    ],
)
def test_a_lower_case_signature_is_capitalised_and_marked(from_, body, name):
    who = _read(make_raw(subject="conta", from_=from_, body=body))
    address = from_.split("<")[-1].rstrip(">")
    assert (who.name, who.email) == (name, address)
    assert who.checks["student_name"] == "name_case"


def test_a_signature_in_capitals_is_capitalised_and_marked():
    who = _read(
        make_raw(
            subject="login",
            from_="Lucas <lucas.sossai@aluno.ifes.edu.br>",
            body="Como faço para conseguir login?\n\nAtt.,\nLUCAS BREMENKAMP DA SOSSAI\n",
        )
    )
    assert who.name == "Lucas Bremenkamp da Sossai"
    assert who.checks["student_name"] == "name_case"


def test_a_lower_case_line_that_is_not_the_writer_is_no_name():
    who = _read(
        make_raw(
            subject="conta",
            from_="xk2024@gmail.com",
            body="minha conta expirou\npreciso de novo",
        )
    )
    assert " " not in who.name


# -- 7. the student named only in the Subject, by an advisor ----------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "name"),
    [
        (
            "Acesso ao laboratório – Fulana de Tal Moreira",
            "Prezados,\n\npeço a gentileza de liberar o acesso ao laboratório para minha "
            "orientanda, que começa na semana que vem.\n\nAtt.,\nProf. Carlos Eduardo Moraes",
            "Fulana de Tal Moreira",
        ),
        (
            "Conta no servidor: Igor Salazar Pianzola",
            "Bom dia,\n\npoderiam criar a conta do meu aluno de IC? Ele já está no grupo.\n\n"
            "Obrigado,\nCarlos Eduardo Moraes",
            "Igor Salazar Pianzola",
        ),
        (
            "Usuário no lab (Heloísa Gama Venturim)",
            "Olá! O aluno novo do grupo precisa de usuário nas máquinas. Podem criar?\nCarlos",
            "Heloísa Gama Venturim",
        ),
    ],
)
def test_a_student_named_only_in_the_subject_by_an_advisor(subject, body, name):
    who = _read(
        make_raw(
            subject=subject,
            from_="Carlos Eduardo Moraes <carlos.moraes@ifes.edu.br>",
            body=body,
        )
    )
    assert (who.name, who.email) == (name, "")
    assert who.checks["student_name"] == "from_subject"
    assert who.checks["student_email"] == "no_address"
    assert who.requester_name == "Carlos Eduardo Moraes"


# -- 8. the account is one item of a long email; a name with a suffix ------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "address"),
    [
        (
            "3) Conta SSH no servidor kraken para o meu orientando Antônio Carlos Bermudes "
            "Filho (antonio.bermudes@aluno.ifes.edu.br);",
            "Antônio Carlos Bermudes Filho",
            "antonio.bermudes@aluno.ifes.edu.br",
        ),
        (
            "3) Por fim, o doutorando Wellington Rocha Júnior precisa de uma conta no "
            "servidor de GPUs: wellington.junior@aluno.ifes.edu.br.",
            "Wellington Rocha Júnior",
            "wellington.junior@aluno.ifes.edu.br",
        ),
        (
            "3) Usuário no cluster para o aluno Augusto Cesar Falcão Neto, e-mail "
            "augusto.neto@aluno.ifes.edu.br.",
            "Augusto Cesar Falcão Neto",
            "augusto.neto@aluno.ifes.edu.br",
        ),
    ],
)
def test_an_account_among_other_matters(sentence, name, address):
    body = (
        "Prezada secretaria,\n\nalgumas demandas do grupo para este semestre:\n\n"
        "1) Reserva do Auditório Principal para o seminário do dia 14, às 14h;\n"
        "2) Compra de dois monitores com a verba do projeto;\n"
        f"{sentence}\n"
        "4) Inclusão do Grupo Visão Computacional na página do programa.\n\n"
        "Qualquer dúvida estou à disposição.\n\nAtenciosamente,\nProf. Gilmar Nunes Zanetti\n"
        "Coordenador do Grupo de Visão Computacional\n"
    )
    who = _read(
        make_raw(
            subject="Demandas do grupo",
            from_="Gilmar Nunes Zanetti <gilmar.zanetti@ifes.edu.br>",
            body=body,
        )
    )
    assert (who.name, who.email) == (name, address)
    assert who.requester_name == "Gilmar Nunes Zanetti"


def test_the_requester_without_the_title_of_the_from_header():
    who = _read(
        make_raw(
            subject="Conta SSH",
            from_="Prof. Gilmar Zanetti <gilmar.zanetti@ifes.edu.br>",
            body="Prezados,\n\nsolicito conta SSH no servidor para o aluno Wellington Rocha "
            "Júnior, wellington.junior@aluno.ifes.edu.br.\n\nAtt.,\nGilmar",
        )
    )
    assert (who.name, who.requester_name) == ("Wellington Rocha Júnior", "Gilmar Zanetti")


# -- 9. a nickname in From or the signature, the full name elsewhere ---------------------------


@pytest.mark.parametrize(
    ("from_", "subject", "body", "name"),
    [
        (
            "Nando <nando.rios@gmail.com>",
            "Acesso ao lab",
            "Oi! Sou o Fernando Rios Cabral, entrei no doutorado agora. Preciso de um "
            "usuário no laboratório.\n\nValeu,\nNando",
            "Fernando Rios Cabral",
        ),
        (
            "Bia <bia.falqueto@outlook.com>",
            "Acesso ao lab",
            "Olá, preciso de uma conta nos computadores do laboratório.\n\nAbs,\nBia\n"
            "Beatriz Helena Falqueto\nMestranda PPComp",
            "Beatriz Helena Falqueto",
        ),
        (
            "Duda <duda.zanon@gmail.com>",
            "Acesso ao laboratório - Maria Eduarda Zanon",
            "oi, preciso de acesso ao lab pra minha pesquisa\nbrigada\nDuda",
            "Maria Eduarda Zanon",
        ),
        (
            "Guto <guto1998@gmail.com>",
            "Usuário no lab",
            "Boa tarde, meu nome completo é Augusto Lemos Sarcinelli e preciso de um login "
            "nos computadores do laboratório.\n\nGuto",
            "Augusto Lemos Sarcinelli",
        ),
    ],
)
def test_a_nickname_beside_the_full_name(from_, subject, body, name):
    who = _read(make_raw(subject=subject, from_=from_, body=body))
    address = from_.split("<")[-1].rstrip(">")
    assert (who.name, who.email) == (name, address)


# -- 10. a professor who never names the student -----------------------------------------------

UNNAMED = [
    "Bom dia,\n\nminha orientanda precisa de acesso ao laboratório. Podem criar a conta?\n\n"
    "Att.,\nProf. Sandra Regina Bortolini",
    "Prezados, meu orientando de mestrado precisa de um usuário nas máquinas do lab.\n"
    "Obrigada,\nSandra",
    "Olá, o aluno novo do meu grupo precisa de login no servidor. Grata, Sandra Bortolini",
    "Hi, my student needs an account on the lab computers.\nBest,\nSandra Bortolini",
]


@pytest.mark.parametrize("body", UNNAMED)
def test_a_professor_who_never_names_the_student_is_not_the_student(body):
    who = _read(
        make_raw(
            subject="Acesso ao laboratório",
            from_="Sandra Regina Bortolini <sandra.bortolini@ifes.edu.br>",
            body=body,
        )
    )
    assert (who.name, who.email) == ("", "")
    assert who.checks["student_name"] == "student_not_named"
    assert who.requester_name == "Sandra Regina Bortolini"
    assert who.requester_email == "sandra.bortolini@ifes.edu.br"


@pytest.mark.parametrize(
    "sentence",
    [
        "sou orientanda do prof. Heitor e preciso de acesso ao laboratório.",
        "sou uma aluna nova do grupo do prof. Heitor e preciso de acesso ao laboratório.",
        "my student account does not open the lab computers, could you help?",
        "minha orientadora pediu que eu solicitasse acesso ao laboratório.",
    ],
)
def test_a_student_writing_of_themself_or_their_advisor_is_still_the_student(sentence):
    who = _read(
        make_raw(
            subject="Acesso ao laboratório",
            from_="Rute Borges Amorim <rute.amorim@aluno.ifes.edu.br>",
            body=f"Olá, {sentence}\nObrigada,\nRute Borges Amorim",
        )
    )
    assert (who.name, who.email) == ("Rute Borges Amorim", "rute.amorim@aluno.ifes.edu.br")
    assert "student_name" not in who.checks


@pytest.mark.django_db
def test_an_unnamed_student_waits_for_a_person(settings):
    settings.MAILFLOW_ACCESS_APPROVAL = "automatic"
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Acesso ao laboratório",
            from_="Sandra Regina Bortolini <sandra.bortolini@ifes.edu.br>",
            body=UNNAMED[0],
        )
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    email.refresh_from_db()
    assert not AccessRequest.objects.filter(email=email).exists()
    assert email.status == "needs_review"
    note = email.status_changes.order_by("-pk").first().note
    assert "de um aluno que não nomeia" in note


@pytest.mark.django_db
def test_a_student_named_only_in_the_subject_waits_for_a_person(settings):
    settings.MAILFLOW_ACCESS_APPROVAL = "automatic"
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Acesso ao laboratório – Fulana de Tal Moreira",
            from_="Carlos Eduardo Moraes <carlos.moraes@ifes.edu.br>",
            body="Prezados, minha orientanda precisa de acesso ao laboratório.\nAtt.,\nCarlos",
        )
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    request = AccessRequest.objects.get(email=email)
    services.access_advance(request=request)
    request.refresh_from_db()
    assert (request.student_name, request.student_email) == ("Fulana de Tal Moreira", "")
    assert request.status == "awaiting_approval"
    assert request.checks == {"student_name": "from_subject", "student_email": "no_address"}
    assert not request.provisionings.exists()
