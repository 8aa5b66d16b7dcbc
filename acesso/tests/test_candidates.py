"""The student weighed by context (acesso.candidates), when no rule names them: a noun
before or after the name, a label on its line, an address right after it, a first name
standing for the whole name written elsewhere (the Subject, the quoted history). Staff,
former students and the writers are never taken; two people weighing the same are left
to a person. Voices written for these tests, apart from the reading corpora."""

import pytest

from acesso.candidates import student_by_context
from acesso.extraction import _Part, identify_student


def _read(body, *, from_name="Gilberto Assis Loureiro", subject="", **extra):
    return identify_student(
        body=body,
        from_name=from_name,
        from_address="gilberto.loureiro@ifes.edu.br",
        subject=subject,
        program_addresses=["ppcomp@ifes.edu.br"],
        **extra,
    )


@pytest.mark.parametrize(
    ("sentence", "name", "address"),
    [
        (
            "Minha bolsista de IC (edital Fapes 2026) Ketlin Andrade Fiorotti vai usar as "
            "máquinas do laboratório. O e-mail é ketlin.fiorotti@gmail.com.",
            "Ketlin Andrade Fiorotti",
            "ketlin.fiorotti@gmail.com",
        ),
        (
            "Estamos recebendo o Dr. Anselmo Rigoni Bitti, pesquisador visitante da UFPE, "
            "até agosto. Vocês podem criar um usuário nos computadores para ele? O e-mail "
            "dele é anselmo.bitti@cin.ufpe.br.",
            "Anselmo Rigoni Bitti",
            "anselmo.bitti@cin.ufpe.br",
        ),
        (
            "O estagiário do grupo, Caetano Lube Pimentel (caetano.lube@gmail.com), precisa "
            "de conta no lab a partir de segunda.",
            "Caetano Lube Pimentel",
            "caetano.lube@gmail.com",
        ),
    ],
)
def test_a_person_the_sentence_calls_a_student_researcher_or_intern(sentence, name, address):
    who = _read(f"Boa tarde,\n\n{sentence}\n\nObrigado,\nGilberto Assis Loureiro\nDocente")
    assert (who.name, who.email) == (name, address)
    assert who.requester_name == "Gilberto Assis Loureiro"
    assert who.checks["student_name"] == "prose_named"


def test_a_labelled_line_in_a_dashed_list_is_the_students():
    who = _read(
        "Secretaria,\n\nteremos uma estagiária no laboratório.\n\n"
        "- Nome completo: Yasmin Borges Tesch\n- E-mail: yasminbt@hotmail.com\n"
        "- Supervisor: Gilberto Assis Loureiro\n\nAtt.,\nGilberto Assis Loureiro"
    )
    assert (who.name, who.email) == ("Yasmin Borges Tesch", "yasminbt@hotmail.com")


def test_a_first_name_in_the_text_stands_for_the_whole_name_of_the_subject():
    who = _read(
        "Pessoal,\n\n1) a ata da reunião ainda não saiu;\n2) o Heitor, meu orientando novo, "
        "ainda não tem conta no laboratório. Podem criar? O e-mail dele é "
        "heitorzm@outlook.com.\n\nGilberto",
        subject="Ata, viagens e conta para o Heitor Zanotti Merçon",
    )
    assert (who.name, who.email) == ("Heitor Zanotti Merçon", "heitorzm@outlook.com")


def test_the_quoted_history_says_who_the_bare_name_of_a_reply_is():
    who = _read(
        "Segue:\n\nNathália Prando Scherrer\nnathi.scherrer@gmail.com\n\nGilberto\n\n"
        "Em seg., 2 de mar. de 2026 às 09:00, Secretaria PPComp <ppcomp@ifes.edu.br> "
        "escreveu:\n> Professor, precisamos do nome completo e do e-mail.\n>\n"
        "> Em dom., 1 de mar. de 2026, Gilberto escreveu:\n>> minha orientanda nova, a "
        "Nathália, precisa de acesso ao laboratório.",
        subject="Re: Acesso ao laboratório",
    )
    assert (who.name, who.email) == ("Nathália Prando Scherrer", "nathi.scherrer@gmail.com")


def test_the_coordinator_forwarding_is_not_the_student_when_the_note_names_one():
    who = identify_student(
        body=(
            "Secretaria, por favor atendam.\n\nLuana\n\n________________________________\n"
            "De: Gilberto Assis Loureiro <gilberto.loureiro@ifes.edu.br>\n"
            "Enviado: terça-feira, 3 de março de 2026 10:00\n"
            "Para: Coordenação <coord@ifes.edu.br>\nAssunto: Conta no laboratório\n\n"
            "Luana, meu orientando novo, Otto Wernersbach Falk (otto.falk@aluno.ifes.edu.br), "
            "precisa de conta no laboratório.\n\nGilberto"
        ),
        from_name="Coordenação PPComp",
        from_address="coord@ifes.edu.br",
        subject="ENC: Conta no laboratório",
        forwarded=True,
        original_from_name="Gilberto Assis Loureiro",
        original_from_address="gilberto.loureiro@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Otto Wernersbach Falk", "otto.falk@aluno.ifes.edu.br")
    assert who.requester_name == "Gilberto Assis Loureiro"


@pytest.mark.parametrize(
    "mention",
    [
        "a coordenadora, profa. Dalva Sessa Rangel, já autorizou",
        "o Rômulo Tessarolo Dias, ex-orientando meu que já defendeu, usava a máquina",
        "o técnico Jonas Falqueto Pires pode ajudar na instalação",
    ],
)
def test_staff_and_former_students_are_never_the_student(mention):
    who = _read(f"Olá,\n\nminha orientanda precisa de conta no laboratório; {mention}.\n\nGilberto")
    assert who.name == ""  # nobody named: a person fills it in
    assert who.checks["student_name"] == "student_not_named"


def test_two_people_weighing_the_same_are_left_to_a_person():
    text = (
        "Precisam de conta no laboratório: Breno Scalzer Teles, estagiário "
        "(breno.teles@gmail.com); Sara Pinheiro Kuster, estagiária (sara.kuster@gmail.com)."
    )
    part = _Part(0, len(text), "Gilberto Assis Loureiro", "g@ifes.edu.br", "sender")
    assert student_by_context(text, (part, None), "", [], ["Gilberto Assis Loureiro"]) is None
    alone = text.split(";")[0] + "."
    part = _Part(0, len(alone), "Gilberto Assis Loureiro", "g@ifes.edu.br", "sender")
    name, address = student_by_context(alone, (part, None), "", [], [])
    assert (name.value, address.value) == ("Breno Scalzer Teles", "breno.teles@gmail.com")


def test_a_self_request_mentioning_the_advisor_stays_the_writers():
    who = identify_student(
        body=(
            "Bom dia! Sou aluna nova do mestrado e preciso de acesso aos computadores do "
            "laboratório. Meu orientador, Prof. Gilberto Assis Loureiro, está em cópia.\n\n"
            "Obrigada,\nElisa Campana Modenesi"
        ),
        from_name="Elisa Modenesi",
        from_address="elisa.modenesi@gmail.com",
        subject="Acesso ao laboratório",
    )
    assert (who.name, who.email) == ("Elisa Campana Modenesi", "elisa.modenesi@gmail.com")


def test_a_one_line_request_for_someone():
    who = _read("Favor criar login para Rosana Tesch Falqueto (rosana.tf@gmail.com)\n\nGilberto")
    assert (who.name, who.email) == ("Rosana Tesch Falqueto", "rosana.tf@gmail.com")


def test_a_helpdesk_tickets_requester_is_the_student():
    who = identify_student(
        body=(
            "Bom dia, secretaria. Chegou este chamado; a conta do laboratório é com vocês.\n\n"
            "Att.,\nDênis Calmon Frisso\nTécnico de TI\n\n"
            "________________________________\n"
            "De: OTRS Ifes <otrs@ifes.edu.br>\n"
            "Enviado: quinta-feira, 4 de março de 2027 09:00\n"
            "Para: Dênis Calmon Frisso <denis.frisso@ifes.edu.br>\n"
            "Assunto: [Ticket#2027030410000071] Conta no laboratório\n\n"
            "Fila: CTI Serra\nRequerente: Paula Vieira Scalzer\n"
            "E-mail do requerente: paula.scalzer@aluno.ifes.edu.br\n\n"
            "Sou aluna nova do mestrado e preciso de um usuário nos computadores do "
            "laboratório.\n"
        ),
        from_name="Dênis Calmon Frisso",
        from_address="denis.frisso@ifes.edu.br",
        subject="ENC: [Ticket#2027030410000071] Conta no laboratório",
        forwarded=True,
        original_from_name="OTRS Ifes",
        original_from_address="otrs@ifes.edu.br",
    )
    assert (who.name, who.email) == ("Paula Vieira Scalzer", "paula.scalzer@aluno.ifes.edu.br")


def test_a_student_block_under_the_request():
    who = _read(
        "Prezados,\n\nSolicito a criação de conta no laboratório para meu orientando (dados "
        "abaixo).\n\nJoão Pedro Sessa Rigo\nMestrando - PPComp\njoaopedro.rigo@gmail.com\n\n"
        "Atenciosamente,\nProf. Gilberto Assis Loureiro"
    )
    assert (who.name, who.email) == ("João Pedro Sessa Rigo", "joaopedro.rigo@gmail.com")
