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
