"""Ways of asking for a lab account that the first readings missed: an English request
for a doctoral student, a name only in the Subject, a nickname beside the full name, a
dash signature, a list of students, an Outlook English forward, the student in Cc. Each
case is what a careful secretary reads, never a mobile client's signature, the professor
or the program."""

import pytest

from acesso import services
from acesso.extraction import identify_student
from emails import services as email_services
from testing.mail import make_raw

# -- an English request for a doctoral or visiting student ------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("I write about my PhD student, Léa Fournier-Dubois, who will", "Léa Fournier-Dubois"),
        ("on behalf of our doctoral student Tomás Ibarra Soto, who will", "Tomás Ibarra Soto"),
        ("for my visiting student Mateo Quispe Huanca: he will", "Mateo Quispe Huanca"),
        ("my Ph.D. student Ingrid Halvorsen Berg will", "Ingrid Halvorsen Berg"),
    ],
)
def test_an_english_request_for_a_graduate_student(sentence, name):
    who = identify_student(
        body=(
            f"Dear colleagues,\n\n{sentence} spend a semester in your group. Could you "
            "please open an account on the lab computers? Her e-mail address is "
            "student.visit@etu.example.fr.\n\nBest regards,\n\nJean-Marc Rivière\n"
            "Associate professor"
        ),
        from_name="Jean-Marc Rivière",
        from_address="jean-marc.riviere@univ.example.fr",
    )
    assert (who.name, who.email) == (name, "student.visit@etu.example.fr")
    assert who.requester_name == "Jean-Marc Rivière"
    assert who.checks["student_name"] == "prose_named"


# -- a mobile client's signature is no name; the Subject may be the only one ------------------

CLIENT_LINES = [
    "Enviado do meu iPhone",
    "Enviado do Yahoo Mail para iPhone",
    "Enviado de meu Samsung Galaxy",
    "Sent from my Galaxy",
    "Sent from Yahoo Mail for Android",
    "Get Outlook for Android",
    "Obter o Outlook para iOS",
]


@pytest.mark.parametrize("client_line", CLIENT_LINES)
def test_a_mobile_signature_is_never_the_name(client_line):
    who = identify_student(
        body=f"oi, preciso de um login nos pcs do lab\nobrigado\n\n{client_line}",
        from_name="Rui Pacheco Lyra",
        from_address="ruipl@gmail.com",
    )
    assert (who.name, who.email) == ("Rui Pacheco Lyra", "ruipl@gmail.com")


@pytest.mark.parametrize("client_line", CLIENT_LINES)
def test_a_name_only_in_the_subject(client_line):
    who = identify_student(
        body=f"Boa tarde,\npeço acesso às máquinas como combinado.\nAtt.\n\n{client_line}",
        subject="Conta no laboratório – João Pedro Martins Vello",
        from_name="",
        from_address="jpmvello@gmail.com",
    )
    assert (who.name, who.email) == ("João Pedro Martins Vello", "jpmvello@gmail.com")
    assert who.found["student_name"].rule == "subject"
    assert who.checks["student_name"] == "from_subject"


def test_a_subject_name_that_is_not_the_senders_gets_no_address():
    """A professor without a display name names the student in the Subject only: the
    address is the professor's, never the student's."""
    who = identify_student(
        body="Favor criar um usuário no laboratório para meu orientando.\nObrigado.",
        subject="Usuário para orientando: Pedro Henrique Lyra Assis",
        from_name="",
        from_address="rmendes@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Pedro Henrique Lyra Assis", "")
    assert who.checks["student_email"] == "no_address"


@pytest.mark.parametrize(
    "subject",
    ["Acesso ao laboratório - Dados da Pesquisa", "Pedido: Sala Multiusuário Norte"],
)
def test_a_subject_tail_that_is_not_the_sender_is_no_name(subject):
    who = identify_student(
        body="preciso de acesso\n\nEnviado do meu iPhone",
        subject=subject,
        from_name="",
        from_address="xk2024@gmail.com",
    )
    assert who.name == ""
    assert who.found["student_name"].rule != "subject"


def test_a_whole_display_name_wins_over_the_subject():
    who = identify_student(
        body="Olá, solicito acesso ao laboratório.\n\nCarla",
        subject="Acesso ao laboratório - Dados da Pesquisa",
        from_name="Carla Nogueira Assis",
        from_address="carla.assis@aluno.ifes.edu.br",
    )
    assert who.name == "Carla Nogueira Assis"


# -- a nickname beside the full name ---------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Aqui é a Juliana Ferraz Prates, aluna do doutorado.",
        "aqui é Juliana Ferraz Prates, do doutorado.",
        "Quem escreve é a Juliana Ferraz Prates, do doutorado.",
        "Eu sou a Juliana Ferraz Prates, do doutorado.",
    ],
)
def test_the_full_name_the_student_gives_beats_the_nickname(sentence):
    who = identify_student(
        body=f"Oi, tudo bem?\n\n{sentence} Preciso de um usuário Linux no lab.\n\nbjs\nJuju",
        from_name="Juju Prates",
        from_address="jujuprates@outlook.com",
    )
    assert (who.name, who.email) == ("Juliana Ferraz Prates", "jujuprates@outlook.com")


# -- a signature after a dash, on the line of the text -----------------------------------------


def test_a_dash_signature_at_the_end_of_a_one_line_note():
    who = identify_student(
        body="Preciso de acesso ao laboratório para rodar meus testes. — Caio Bermudes Lyra",
        from_name="Caio Lyra",
        from_address="caio.lyra@aluno.ifes.edu.br",
    )
    assert (who.name, who.email) == ("Caio Bermudes Lyra", "caio.lyra@aluno.ifes.edu.br")


def test_a_forwarder_signing_with_a_dash_above_the_attached_authorisation():
    body = (
        "Encaminho a autorização do meu orientador para o acesso. -- Caio Bermudes Lyra\n\n"
        "---------- Mensagem encaminhada ---------\n"
        "De: Heitor Lage Souto <heitor.souto@ifes.edu.br>\nData: 2 de abr. de 2026\n"
        "Assunto: Acesso\nPara: Caio Lyra <caio.lyra@aluno.ifes.edu.br>\n\n"
        "Caio,\n\nautorizo seu acesso às máquinas do laboratório.\n\nHeitor\n"
    )
    who = identify_student(
        body=body,
        from_name="Caio Lyra",
        from_address="caio.lyra@aluno.ifes.edu.br",
        forwarded=True,
        original_from_name="Heitor Lage Souto",
        original_from_address="heitor.souto@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Caio Bermudes Lyra", "caio.lyra@aluno.ifes.edu.br")
    assert who.requester_name == "Heitor Lage Souto"


def test_a_dash_between_words_is_no_signature():
    who = identify_student(
        body="Preciso de acesso - Sala Dois Laboratório Norte",
        from_name="Lia Fontes Brum",
        from_address="lia.brum@aluno.ifes.edu.br",
    )
    assert who.name == "Lia Fontes Brum"


# -- a list of students --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items",
    [
        "1) Fernanda Lúcia Brito — fernanda.brito@aluno.ifes.edu.br\n"
        "2) Otávio Reis Campos — otavio.campos@aluno.ifes.edu.br\n",
        "- Fernanda Lúcia Brito (fernanda.brito@aluno.ifes.edu.br)\n"
        "- Otávio Reis Campos (otavio.campos@aluno.ifes.edu.br)\n",
        "• Fernanda Lúcia Brito: fernanda.brito@aluno.ifes.edu.br\n"
        "• Otávio Reis Campos: otavio.campos@aluno.ifes.edu.br\n",
    ],
)
def test_a_list_of_students_gives_the_first_and_is_marked(items):
    who = identify_student(
        body=(
            "Prezados,\n\npoderiam abrir contas no laboratório para as minhas duas novas "
            f"bolsistas de IC?\n\n{items}\nGrato,\nHeitor Lage"
        ),
        from_name="Heitor Lage Souto",
        from_address="heitor.souto@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Fernanda Lúcia Brito", "fernanda.brito@aluno.ifes.edu.br")
    assert who.checks["student_name"] == "several_students"
    assert who.requester_name == "Heitor Lage Souto"


def test_a_list_of_one_student_with_an_address():
    who = identify_student(
        body=(
            "Bom dia, segue o aluno que precisa de conta:\n\n"
            "1. Davi Simões Barcelos – davi.barcelos@aluno.ifes.edu.br\n\nAtt.\nMônica"
        ),
        from_name="Mônica Arrivabene",
        from_address="monica.arrivabene@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Davi Simões Barcelos", "davi.barcelos@aluno.ifes.edu.br")
    assert who.checks["student_name"]


def test_the_professor_in_a_list_is_not_a_student():
    who = identify_student(
        body=(
            "Peço conta para a aluna abaixo.\n\n"
            "- Mônica Arrivabene (monica.arrivabene@ifes.edu.br), orientadora\n"
            "- Yasmin Covre Dalla (yasmin.dalla@aluno.ifes.edu.br)\n"
        ),
        from_name="Mônica Arrivabene",
        from_address="monica.arrivabene@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Yasmin Covre Dalla", "yasmin.dalla@aluno.ifes.edu.br")


def test_a_list_in_the_signature_is_no_student():
    who = identify_student(
        body=(
            "Olá, preciso de acesso aos computadores do laboratório.\n\nAtenciosamente,\n"
            "Yasmin Covre Dalla\n- Grupo de Redes Ópticas (redes.opticas@ifes.edu.br)\n"
        ),
        from_name="Yasmin Covre Dalla",
        from_address="yasmin.dalla@aluno.ifes.edu.br",
    )
    assert (who.name, who.email) == ("Yasmin Covre Dalla", "yasmin.dalla@aluno.ifes.edu.br")


# -- an Outlook forward with an English header block -------------------------------------------

OUTLOOK_FORWARD = (
    "Boa tarde, segue a mensagem da minha orientadora liberando meu acesso.\n\n"
    "Regards,\nDiego\n\n"
    "________________________________\n"
    "From: Marta Ruschi Nader <marta.nader@ifes.edu.br>\n"
    "Sent: Tuesday, May 5, 2026 9:40 AM\n"
    "To: Diego Sartori Lemos <diego.lemos@outlook.com>\n"
    "Subject: Re: conta no lab\n\n"
    "Diego,\n\nDe acordo, pode solicitar à secretaria a criação da sua conta no "
    "laboratório.\n\nMarta\n"
)


def test_a_student_forwarding_an_outlook_english_block():
    who = identify_student(
        body=OUTLOOK_FORWARD,
        subject="FW: conta no lab",
        from_name="Diego Sartori Lemos",
        from_address="diego.lemos@outlook.com",
        forwarded=True,
        original_from_name="Marta Ruschi Nader",
        original_from_address="marta.nader@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Diego Sartori Lemos", "diego.lemos@outlook.com")
    assert (who.requester_name, who.requester_email) == (
        "Marta Ruschi Nader",
        "marta.nader@ifes.edu.br",
    )


def test_a_note_addressed_to_the_forwarder_makes_them_the_student():
    """The advisor's note says nothing of "your account", but it is written to the
    student who forwards it."""
    body = OUTLOOK_FORWARD.replace(
        "Boa tarde, segue a mensagem da minha orientadora liberando meu acesso.",
        "Boa tarde, segue abaixo.",
    ).replace(
        "De acordo, pode solicitar à secretaria a criação da sua conta no laboratório.",
        "De acordo, pode pedir à secretaria.",
    )
    who = identify_student(
        body=body,
        subject="FW: conta no lab",
        from_name="Diego Sartori Lemos",
        from_address="diego.lemos@outlook.com",
        forwarded=True,
        original_from_name="Marta Ruschi Nader",
        original_from_address="marta.nader@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Diego Sartori Lemos", "diego.lemos@outlook.com")


@pytest.mark.django_db
def test_the_outlook_english_forward_is_read_from_the_stored_email():
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="FW: conta no lab",
            from_="Diego Sartori Lemos <diego.lemos@outlook.com>",
            body=OUTLOOK_FORWARD,
        )
    )
    assert email.forwarded
    assert (email.original_from_name, email.original_from_address) == (
        "Marta Ruschi Nader",
        "marta.nader@ifes.edu.br",
    )
    student = services.access_read(email)
    assert (student.name, student.email) == ("Diego Sartori Lemos", "diego.lemos@outlook.com")


# -- the student in Cc -------------------------------------------------------------------------

NAMED_WITHOUT_ADDRESS = (
    "Prezada secretaria,\n\na aluna Rebeca Sodré Antunes, minha orientanda, precisa de "
    "usuário no laboratório. Ela está em cópia.\n\nObrigado,\n\n--\nLauro Pimentel Sá\n"
)


@pytest.mark.parametrize(
    "cc",
    [
        "Rebeca Sodré Antunes <rebeca.antunes@aluno.ifes.edu.br>",
        "Outro Professor <outro.prof@ifes.edu.br>, rebeca.antunes@aluno.ifes.edu.br",
        '"Antunes, Rebeca" <rebeca.antunes@aluno.ifes.edu.br>',
    ],
)
def test_a_named_students_address_in_cc(cc):
    who = identify_student(
        body=NAMED_WITHOUT_ADDRESS,
        cc=cc,
        from_name="Lauro Pimentel Sá",
        from_address="lauro.sa@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Rebeca Sodré Antunes", "rebeca.antunes@aluno.ifes.edu.br")
    assert who.found["student_email"].rule == "cc"
    assert "student_email" not in who.checks


@pytest.mark.parametrize(
    "cc", ["Ana Vieira Leal <ana.leal@ifes.edu.br>", "coord@ifes.edu.br", "secretaria@ifes.edu.br"]
)
def test_someone_else_in_cc_is_not_the_student(cc):
    who = identify_student(
        body=NAMED_WITHOUT_ADDRESS,
        cc=cc,
        from_name="Lauro Pimentel Sá",
        from_address="lauro.sa@ifes.edu.br",
        program_addresses=["secretaria@ifes.edu.br"],
    )
    assert (who.name, who.email) == ("Rebeca Sodré Antunes", "")
    assert who.checks["student_email"] == "no_address"


def test_a_cc_professor_is_never_a_named_students_address():
    """In English: the host professor is in copy; the student's address is in the text."""
    who = identify_student(
        body=(
            "I am writing for my PhD student, Léa Fournier-Dubois. Prof. Ana Vieira Leal "
            "(ana.leal@ifes.edu.br) hosts her. Her address: lea.fd@etu.example.fr.\n"
        ),
        cc="Ana Vieira Leal <ana.leal@ifes.edu.br>",
        from_name="Jean-Marc Rivière",
        from_address="jean-marc.riviere@univ.example.fr",
    )
    assert (who.name, who.email) == ("Léa Fournier-Dubois", "lea.fd@etu.example.fr")


@pytest.mark.django_db
def test_the_cc_is_read_from_the_stored_email():
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Usuário para orientanda",
            from_="Lauro Pimentel Sá <lauro.sa@ifes.edu.br>",
            body=NAMED_WITHOUT_ADDRESS,
            headers={"Cc": "Rebeca Sodré Antunes <rebeca.antunes@aluno.ifes.edu.br>"},
        )
    )
    student = services.access_read(email)
    assert (student.name, student.email) == (
        "Rebeca Sodré Antunes",
        "rebeca.antunes@aluno.ifes.edu.br",
    )
    assert student.requester_email == "lauro.sa@ifes.edu.br"


# -- the name before the role, formal openings -------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        (
            "Solicito um usuário para Rodrigo Falqueto Amaral, meu orientando de mestrado.",
            "Rodrigo Falqueto Amaral",
        ),
        ("Peço acesso para Lívia Sant'Anna Rocha (minha bolsista de IC).", "Lívia Sant'Anna Rocha"),
        (
            "Could you create an account for Hannah Okafor Reyes, my master's student?",
            "Hannah Okafor Reyes",
        ),
        ("Solicito acesso para o(a) aluno(a) Vitória Meireles Gama.", "Vitória Meireles Gama"),
        (
            "Para Rodrigo Falqueto Amaral, meu novo orientando, peço um usuário.",
            "Rodrigo Falqueto Amaral",
        ),
    ],
)
def test_a_professor_names_the_student_before_the_role(sentence, name):
    who = identify_student(
        body=f"Prezada Secretaria,\n\n{sentence}\n\nAtenciosamente,\nProf. Nilo Barcellos Reis",
        from_name="Nilo Barcellos Reis",
        from_address="nilo.reis@ifes.edu.br",
    )
    assert (who.name, who.email) == (name, "")
    assert who.checks["student_name"] == "prose_named"
    assert who.requester_name == "Nilo Barcellos Reis"


def test_a_greeting_before_a_role_is_no_name():
    who = identify_student(
        body=(
            "Prezada Secretaria, minha orientanda Vitória Meireles Gama precisa de acesso.\n\nNilo"
        ),
        from_name="Nilo Barcellos Reis",
        from_address="nilo.reis@ifes.edu.br",
    )
    assert who.name == "Vitória Meireles Gama"


@pytest.mark.parametrize(
    "sentence",
    [
        "Eu, Gabriel Loureiro Sampaio, aluno regular do mestrado, solicito acesso ao laboratório.",
        "Chamo-me Gabriel Loureiro Sampaio e solicito acesso ao laboratório.",
    ],
)
def test_a_formal_self_introduction(sentence):
    who = identify_student(
        body=f"Prezados,\n\n{sentence}\n\nAtenciosamente,\nGabriel",
        from_name="Gabriel",
        from_address="gabriel.ls@gmail.com",
    )
    assert (who.name, who.email) == ("Gabriel Loureiro Sampaio", "gabriel.ls@gmail.com")
