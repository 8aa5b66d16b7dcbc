"""sender.mime writes, byte for byte, what Django's EmailMultiAlternatives writes."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives

from sender import mime

HEADERS = {
    "Message-ID": "<abc.123@ppcomp.example>",
    "Auto-Submitted": "auto-replied",
    "X-Auto-Response-Suppress": "All",
    "In-Reply-To": "<pedido-1@gmail.example>",
    "References": "<anterior@gmail.example> <pedido-1@gmail.example>",
}
LONG_REFERENCES = " ".join(
    f"<mensagem-numero-{i}.{i * 7919}@servidor.example.org>" for i in range(20)
)
BOUNDARY = re.compile(rb"===============\d+==(?:\.\d+)?")
DATE = re.compile(rb"^Date: .*\r\n", re.M)
MESSAGE_ID = re.compile(rb"^Message-ID: <\d+\.\d+\.\d+@[^>]+>\r\n", re.M)


def _normal(data: bytes) -> bytes:
    """Boundaries are random (numbered in order of appearance), the date is now and a
    Message-ID made up."""
    seen: dict[bytes, bytes] = {}
    data = DATE.sub(b"Date: (now)\r\n", data)
    data = MESSAGE_ID.sub(b"Message-ID: (made up)\r\n", data)
    return BOUNDARY.sub(lambda m: seen.setdefault(m.group(), b"B%d" % len(seen)), data)


def _both(*, html="", attachments=(), **fields):
    kwargs = {
        "subject": "Re: Solicitação de acesso ao laboratório",
        "body": "Prezada Maria,\n\nSeu pedido está em análise.\n\nSecretaria\n",
        "from_email": "secretaria@ppcomp.example",
        "to": ["maria@aluno.br"],
        "cc": [],
        "reply_to": [],
        "headers": dict(HEADERS),
        **fields,
    }
    django_mail = EmailMultiAlternatives(**kwargs)
    if html:
        django_mail.attach_alternative(html, "text/html")
    for attachment in attachments:
        django_mail.attach(*attachment)
    expected = django_mail.message().as_bytes(linesep="\r\n")
    return expected, mime.message_bytes(html=html, attachments=list(attachments), **kwargs)


CASES = {
    "plain": {},
    "ascii everything": {"subject": "Re: Pedido", "body": "Ola,\nok.\n"},
    "no final line break": {"body": "Olá, sem quebra no fim"},
    "empty body": {"body": ""},
    "crlf and lone cr in the body": {"body": "a\r\nb\rc\n\n.d\n..e\nFrom f\n"},
    "long subject": {"subject": "Re: " + "Solicitação de declaração de defesa de mestrado " * 4},
    "long ascii subject": {"subject": "Re: " + "Pedido de acesso ao laboratorio " * 5},
    "subject with odd spacing": {"subject": "  Re:   Pedido\tde  acesso  "},
    "names and several recipients": {
        "from_email": "Secretaria do PPComp <secretaria@ppcomp.example>",
        "to": ["maria@aluno.br", "joão@aluno.br", "Zé da Silva <ze@x.br>"],
        "cc": ["coordenação@ppcomp.example", "b@x.br"],
        "reply_to": ["Secretaria <s@ppcomp.example>"],
    },
    "long references": {"headers": {**HEADERS, "References": LONG_REFERENCES}},
    "no Message-ID given": {"headers": {"Auto-Submitted": "auto-replied"}},
    "a date given": {"headers": {**HEADERS, "Date": "Mon, 1 Dec 2025 10:00:00 -0300"}},
    "html alternative": {"html": "<p>Olá, <b>Maria</b></p>\n"},
    "html without a text body": {"body": "", "html": "<p>só HTML</p>"},
    "attachments": {
        "attachments": [
            ("Declaração – João.pdf", b"%PDF-1.4 teste\n" * 200, "application/pdf"),
            ("ata.docx", b"PK\x03\x04" + bytes(range(256)) * 3, None),
            ("notas.txt", "Notas: média 9,5\n".encode(), "text/plain"),
            ("binario.txt", b"\xff\xfe\x00", "text/plain"),
            ('a "quoted" name; with = signs.pdf', b"x", "application/pdf"),
            ("um nome de arquivo muito comprido para caber numa linha só.pdf", b"y", None),
        ]
    },
    "html and attachments": {
        "html": "<p>Olá</p>",
        "attachments": [("Declaração.pdf", b"%PDF", "application/pdf")],
    },
    "a boundary-like line in the body": {
        "body": "--===============1234567890123456789==\n",
        "attachments": [("x.pdf", b"x", "application/pdf")],
    },
}


@pytest.mark.parametrize("case", CASES)
def test_same_bytes_as_django(case):
    expected, built = _both(**CASES[case])
    assert built is not None
    assert _normal(built) == _normal(expected)


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "x" * 999},
        {"html": "<p>" + "y" * 1200 + "</p>"},
        {"attachments": [("log.txt", "z" * 1000, "text/plain")]},
        {"attachments": [("fwd.eml", b"Subject: x\r\n\r\nx\r\n", "message/rfc822")]},
    ],
)
def test_shapes_left_to_django(fields):
    """Quoted-printable lines and attached messages: built by Django, not here."""
    assert _both(**fields)[1] is None


def test_a_newline_in_a_header_is_refused():
    with pytest.raises(ValueError, match="newlines"):
        _both(subject="Re: x\nBcc: todos@x.br")


@pytest.mark.django_db
def test_the_outbox_sends_what_build_email_describes(request_email):
    """services.build_message (what the worker sends) and services.build_email (the Django
    email, used by the console backend) give the same bytes, secrets filled in."""
    from sender import compose, services

    message = services.outbound_compose(
        email=request_email,
        purpose="credentials",
        body_text="Login: maria\nSenha: ⟦secret:password⟧\n",
        secrets={"password": "Kq7#vP2mX9zL"},
        attachments=[("Declaração – João.pdf", "application/pdf", b"%PDF-1.4 teste")],
        cc="Coordenação <coord@ppcomp.example>",
    )
    recipients, data = compose.build_message(message)
    assert recipients == ["maria.souza@aluno.ifes.edu.br", "coord@ppcomp.example"]
    expected = compose.build_email(message).message().as_bytes(linesep="\r\n")
    assert _normal(data) == _normal(expected)
    assert b"Senha: Kq7#vP2mX9zL" in data
