import pytest

from acesso.extraction import identify_student


def _who(body, **kw):
    args = {"from_name": "Coordenação PPComp", "from_address": "coord@ifes.edu.br"}
    args.update(kw)
    return identify_student(body=body, **args)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("Nome: Maria Souza\nMatrícula: 2025001\nE-mail: maria@gmail.com", "Maria Souza"),
        ("Nome completo: João D'Ávila Neto\n", "João D'Ávila Neto"),
        ("Aluno(a): *Pedro Alves*\n", "Pedro Alves"),
        ("Discente: Ana Lima\n", "Ana Lima"),
        (
            "Oi, preciso de acesso ao lab.\n\nAtenciosamente,\nCarla Mendes\nMestranda PPComp",
            "Carla Mendes",
        ),
        ("preciso de login nos pcs\nobrigado!\nLucas Pereira", "Lucas Pereira"),
    ],
)
def test_name_from_labels_or_signature(body, name):
    assert _who(body).name == name


def test_email_label_wins_over_sender():
    who = _who("Nome: Maria Souza\nE-mail: Maria.Souza@Gmail.com\n")
    assert who.email == "maria.souza@gmail.com"


def test_forward_uses_the_original_sender():
    who = _who(
        "Oi, gostaria de acesso.",
        forwarded=True,
        original_from_name="Rita Gomes",
        original_from_address="rita@aluno.ifes.edu.br",
    )
    assert (who.name, who.email, who.source) == ("Rita Gomes", "rita@aluno.ifes.edu.br", "forward")


def test_sender_as_last_resort():
    who = identify_student(
        body="quero acesso", from_name="Bruno Dias", from_address="bruno@aluno.ifes.edu.br"
    )
    assert (who.name, who.email, who.source) == ("Bruno Dias", "bruno@aluno.ifes.edu.br", "sender")


def test_label_with_garbage_is_not_a_name():
    who = _who("Nome: x; rm -rf / $(reboot)\n", from_name="Rafa Lima")
    assert who.name == "Rafa Lima"  # the sender, not the label


def test_a_300_character_sender_name_is_cut_between_words():
    name = ("Maria Rosa " + "Fernanda Nogueira " * 20)[:300].strip()
    who = _who("preciso de acesso ao laboratório", from_name=name)
    assert len(who.name) <= 200 and who.name == who.name.strip()
    assert name.startswith(who.name) and name[len(who.name)] == " "


def test_the_address_read_from_the_body_is_still_recorded():
    """It is what staff see and check; the outbox decides whether mail may go there."""
    who = _who("Nome: Maria Souza\nE-mail: maria@fora.example\n", from_address="m@ifes.edu.br")
    assert who.email == "maria@fora.example"


# -- who the request is for, and who asked -------------------------------------------------


def test_an_advisor_names_the_student_and_her_address():
    who = identify_student(
        body=(
            "Bom dia,\n\nPeço a criação de uma conta nos computadores do laboratório para a "
            "minha orientanda, Helena Duarte Prates, endereço helena.prates@aluno.ifes.edu.br.\n"
            "\nAtenciosamente,\nRoberto\n--\nProf. Dr. Roberto Calmon Vieira\nPPComp"
        ),
        from_name="Roberto Calmon Vieira",
        from_address="roberto.vieira@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Helena Duarte Prates", "helena.prates@aluno.ifes.edu.br")
    assert (who.requester_name, who.requester_email) == (
        "Roberto Calmon Vieira",
        "roberto.vieira@ifes.edu.br",
    )
    assert who.source == "named" and "student_name" in who.checks
    span = who.found["student_name"]
    assert span.start is not None
    assert who.found["student_name"].value == "Helena Duarte Prates"


def test_a_named_student_without_an_address_is_left_for_a_person():
    who = identify_student(
        body="Meu aluno de mestrado Tiago Rocha Neves precisa de acesso às máquinas do lab.",
        from_name="Sandra Maia",
        from_address="sandra.maia@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Tiago Rocha Neves", "")
    assert "student_email" in who.checks
    assert who.requester_email == "sandra.maia@ifes.edu.br"


def test_the_program_and_the_sender_are_never_the_students_address():
    who = identify_student(
        body=(
            "Prezados (ppcomp@ifes.edu.br), solicito acesso para o discente Jonas Alves Prado.\n"
            "Qualquer dúvida, sandra.maia@ifes.edu.br."
        ),
        from_name="Sandra Maia",
        from_address="sandra.maia@ifes.edu.br",
        program_addresses=["ppcomp@ifes.edu.br"],
    )
    assert (who.name, who.email) == ("Jonas Alves Prado", "")


def test_a_student_forwarding_the_advisors_note_is_the_student():
    body = (
        "Olá! Sou Lívia Nunes Ferraço, aluna do mestrado. Segue a autorização do meu orientador."
        "\n\nLívia\n\n---------- Forwarded message ---------\n"
        "From: Marcos Tavares <marcos.tavares@ifes.edu.br>\nDate: 2 de mar. de 2026\n"
        "Subject: acesso\nTo: Lívia <livia.nf@gmail.com>\n\n"
        "Autorizo o acesso da minha orientanda aos computadores do laboratório.\n\nMarcos\n"
    )
    who = identify_student(
        body=body,
        from_name="Lívia",
        from_address="livia.nf@gmail.com",
        forwarded=True,
        original_from_name="Marcos Tavares",
        original_from_address="marcos.tavares@ifes.edu.br",
    )
    assert (who.name, who.email, who.source) == (
        "Lívia Nunes Ferraço",
        "livia.nf@gmail.com",
        "self",
    )
    assert who.requester_name == "Marcos Tavares"


def test_an_unnamed_student_in_the_forwarded_note_is_who_forwarded_it():
    body = (
        "Bom dia, encaminho a autorização.\n\nAtt.,\nOtávio Pereira Lins\n\n"
        "---------- Mensagem encaminhada ---------\n"
        "De: Marcos Tavares <marcos.tavares@ifes.edu.br>\nData: 2 de mar. de 2026\n"
        "Assunto: acesso\nPara: Otávio <otavio@aluno.ifes.edu.br>\n\n"
        "Autorizo a criação de conta para o meu orientando nos computadores do laboratório.\n"
    )
    who = identify_student(
        body=body,
        from_name="Otávio Lins",
        from_address="otavio@aluno.ifes.edu.br",
        forwarded=True,
        original_from_name="Marcos Tavares",
        original_from_address="marcos.tavares@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Otávio Pereira Lins", "otavio@aluno.ifes.edu.br")
    assert "student_name" in who.checks


def test_a_coordinator_forwarding_a_students_request():
    body = (
        "Autorizo.\n\nAtt.,\nFábio\nCoordenador\n\n________________________________\n"
        "De: Renata Silva Gaigher <renata.gaigher@aluno.ifes.edu.br>\n"
        "Enviado: segunda-feira, 3 de agosto de 2026 09:14\n"
        "Para: Coordenação <coord@ifes.edu.br>\nAssunto: Pedido de acesso\n\n"
        "Gostaria de solicitar um usuário nos computadores do laboratório.\n\n"
        "Obrigada,\nRenata Silva Gaigher\n"
    )
    who = identify_student(
        body=body,
        from_name="Coordenação PPComp",
        from_address="coord@ifes.edu.br",
        forwarded=True,
        original_from_name="Renata Silva Gaigher",
        original_from_address="renata.gaigher@aluno.ifes.edu.br",
    )
    assert (who.name, who.email) == ("Renata Silva Gaigher", "renata.gaigher@aluno.ifes.edu.br")
    assert who.requester_name == "Renata Silva Gaigher"
    assert not who.checks


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (
            "Me chamo Beatriz Castro Lemos e preciso de acesso ao lab.\n\nBia",
            "Beatriz Castro Lemos",
        ),
        ("Hi, my name is Sofía Ramírez Ortega, exchange student.", "Sofía Ramírez Ortega"),
        ("minha senha expirou.\n\nValeu!\nCaio Amorim Sathler\nmestrado", "Caio Amorim Sathler"),
    ],
)
def test_the_fullest_name_of_who_writes(body, name):
    who = identify_student(body=body, from_name="Bia", from_address="x@gmail.com")
    assert who.name == name


def test_a_table_row_without_a_colon():
    who = _who(
        "Solicito para o discente abaixo:\n\nNome Matheus Gomes Frechiani\n"
        "E-mail matheus.f@aluno.ifes.edu.br\nMatrícula 2026\n"
    )
    assert (who.name, who.email) == ("Matheus Gomes Frechiani", "matheus.f@aluno.ifes.edu.br")


def test_several_students_at_once_are_marked():
    who = identify_student(
        body="Solicito acesso ao laboratório para os alunos João Silva Lima e Maria Pereira Souza.",
        from_name="Carlos Dias",
        from_address="carlos@ifes.edu.br",
    )
    assert who.name == "João Silva Lima"  # never the professor who asked
    assert who.checks["student_name"] == "several_students"


def test_a_signature_without_a_closing_formula():
    who = identify_student(
        body=(
            "esqueci minha senha do laboratório. Login: bruno.alves\n\n"
            "Bruno Alves Teixeira\nMestrando"
        ),
        from_name="Bruno",
        from_address="bruno.alves@aluno.ifes.edu.br",
    )
    assert (who.name, who.email) == ("Bruno Alves Teixeira", "bruno.alves@aluno.ifes.edu.br")


def test_an_english_request_for_a_named_student():
    who = identify_student(
        body="Could you create an account on the lab machines for my student, Ana Clara "
        "Ribeiro (ana.ribeiro@gmail.com)? Thanks, Peter",
        from_name="Peter Hughes",
        from_address="p.hughes@bristol.ac.uk",
    )
    assert (who.name, who.email) == ("Ana Clara Ribeiro", "ana.ribeiro@gmail.com")
    assert who.requester_name == "Peter Hughes"
