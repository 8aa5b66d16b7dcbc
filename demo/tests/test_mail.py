"""The trial's outbox backend: one <Message-ID>.eml per message."""

import stat
from email import message_from_bytes, policy

from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

from demo.mail import EmlOutboxBackend, eml_filename


def parse(path):
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def test_each_message_is_a_parseable_eml_named_by_its_message_id(tmp_path):
    backend = EmlOutboxBackend(directory=tmp_path / "outbox")
    reply = EmailMultiAlternatives(
        subject="Re: Registro de defesa - Igor Barbosa Teixeira",
        body="Olá,\n\nFaltam o horário e o membro externo.\n",
        from_email="Secretaria PPComp <secretaria@ppcomp.example>",
        to=["pedro.almeida@ifes.example"],
        headers={
            "Message-ID": "<form.1@ppcomp.example>",
            "In-Reply-To": "<pedido@ifes.example>",
        },
    )
    reply.attach_alternative("<p>Olá,</p>", "text/html")
    reply.attach("ata.docx", b"PK\x03\x04 docx", "application/octet-stream")
    chamado = EmailMessage(
        subject="Chamado",
        body="Segue.",
        to=["coordenacao@ppcomp.example"],
        headers={"Message-ID": "<chamado/2@ppcomp.example>"},
    )

    assert backend.send_messages([reply, chamado]) == 2

    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["chamado_2@ppcomp.example.eml", "form.1@ppcomp.example.eml"]
    written = parse(tmp_path / "outbox" / "form.1@ppcomp.example.eml")
    assert written["Message-ID"] == "<form.1@ppcomp.example>"
    assert written["In-Reply-To"] == "<pedido@ifes.example>"
    assert written["To"] == "pedro.almeida@ifes.example"
    assert written["Subject"] == "Re: Registro de defesa - Igor Barbosa Teixeira"
    assert "Faltam o horário" in written.get_body(("plain",)).get_content()
    [attachment] = list(written.iter_attachments())
    assert attachment.get_filename() == "ata.docx"
    assert attachment.get_content() == b"PK\x03\x04 docx"
    # Owner-only: the credentials of a lab account travel in these files.
    mode = (tmp_path / "outbox" / "form.1@ppcomp.example.eml").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_a_long_accented_subject_reads_back_as_written(tmp_path):
    subject = "Acesso ao laboratório: Mateus Gonçalves Araújo Conceição"
    message = EmailMessage(subject=subject, body="Olá", to=["Mateus Araújo <m@ppcomp.example>"])

    EmlOutboxBackend(directory=tmp_path).send_messages([message])

    [path] = list(tmp_path.iterdir())
    written = parse(path)
    assert written["Subject"] == subject
    assert written["To"].addresses[0].display_name == "Mateus Araújo"
    assert written.get_content().rstrip("\n") == "Olá"


def test_a_message_without_message_id_gets_one(tmp_path):
    backend = EmlOutboxBackend(directory=tmp_path)
    message = EmailMessage(subject="Oi", body="Texto", to=["a@ppcomp.example"])

    backend.send_messages([message])

    [path] = list(tmp_path.iterdir())
    assert path.name == eml_filename(parse(path)["Message-ID"])
    assert path.suffix == ".eml" and "<" not in path.name


def test_sending_the_same_message_again_replaces_its_file(tmp_path):
    backend = EmlOutboxBackend(directory=tmp_path)
    for body in ("first", "second"):
        backend.send_messages(
            [EmailMessage(body=body, to=["a@ppcomp.example"], headers={"Message-ID": "<x@y>"})]
        )
    assert [p.name for p in tmp_path.iterdir()] == ["x@y.eml"]
    assert parse(tmp_path / "x@y.eml").get_content().strip() == "second"


def test_the_trial_settings_use_it(trial):
    connection = get_connection()
    assert isinstance(connection, EmlOutboxBackend)
    assert connection.directory == trial / "outbox"


def test_file_names_are_safe():
    assert eml_filename("<a/b\\c d@x.example>") == "a_b_c_d@x.example.eml"
    assert eml_filename("<../../etc@x>") == "_.._etc@x.eml"
    assert eml_filename("") == "message.eml"
