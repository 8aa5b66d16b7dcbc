"""Hostile and realistic raw messages, built in code (no binary fixtures in the repository).

``hostile_corpus()`` is shared: the parsing tests assert what each message must give, the
storage and IMAP tests reuse it to check that nothing is lost or stored twice.
``big_attachment_message()`` stands apart because it weighs about 20 MB.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Sequence
from typing import Any

__all__ = [
    "SECRETARIAT",
    "SENDER",
    "big_attachment_message",
    "big_attachment_payload",
    "hostile_corpus",
    "multipart",
    "part",
    "raw_message",
    "standard_headers",
]

Header = tuple[str, str | bytes]

DATE = "Mon, 03 Mar 2025 10:12:00 -0300"
SENDER = "Maria Souza <maria.souza@aluno.ifes.edu.br>"
SECRETARIAT = "Secretaria PPComp <secretaria.ppcomp@ifes.edu.br>"


def raw_message(
    headers: Sequence[Header], body: bytes | str = b"", *, linesep: bytes = b"\r\n"
) -> bytes:
    """Exact bytes: each header line as given (str encoded as UTF-8, bytes kept raw), an
    empty line, then the body with its line breaks turned into ``linesep``."""
    lines = []
    for name, value in headers:
        value_bytes = value.encode("utf-8") if isinstance(value, str) else value
        lines.append(name.encode("ascii") + b": " + value_bytes)
    if isinstance(body, str):
        body = body.encode("utf-8")
    body = body.replace(b"\r\n", b"\n").replace(b"\n", linesep)
    return linesep.join(lines) + linesep + linesep + body


def standard_headers(
    subject: str | bytes | None = "Solicitação de acesso",
    *,
    message_id: str | None = None,
    sender: str | bytes | None = SENDER,
    content_type: str | None = "text/plain; charset=UTF-8",
    encoding: str | None = "8bit",
    extra: Sequence[Header] = (),
) -> list[Header]:
    """A plausible header block; pass None to leave a header out."""
    headers: list[Header] = []
    if sender is not None:
        headers.append(("From", sender))
    headers += [("To", SECRETARIAT), ("Date", DATE)]
    if subject is not None:
        headers.append(("Subject", subject))
    if message_id is not None:
        headers.append(("Message-ID", message_id))
    headers.append(("MIME-Version", "1.0"))
    headers += list(extra)
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if encoding is not None:
        headers.append(("Content-Transfer-Encoding", encoding))
    return headers


def multipart(boundary: str, parts: Sequence[bytes], *, close: bool = True) -> bytes:
    """A multipart body from already built parts (each: header lines, empty line, body)."""
    out = b"Este e-mail tem varias partes.\n"
    for part in parts:
        out += b"--" + boundary.encode() + b"\n" + part.replace(b"\r\n", b"\n") + b"\n"
    if close:
        out += b"--" + boundary.encode() + b"--\n"
    return out


def part(content_type: str, body: bytes | str, *extra: str) -> bytes:
    """One MIME part: a Content-Type line, any ``extra`` header lines, then the body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = "\n".join([f"Content-Type: {content_type}", *extra]).encode()
    return head + b"\n\n" + body


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def _simple(
    name: str, body: bytes | str, subject: str | bytes | None = "Teste", **options: Any
) -> tuple[str, bytes]:
    headers = standard_headers(subject, message_id=f"<{name}@corpus>", **options)
    return name, raw_message(headers, body)


def _nested_multipart(subject: str, depth: int) -> bytes:
    """``depth`` multiparts inside each other, a text part at the bottom."""
    pieces = [b"--n0\n"]
    pieces += [
        b'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' % (level, level)
        for level in range(1, depth)
    ]
    pieces.append(b"Content-Type: text/plain\n\nfundo")
    pieces += [b"\n--n%d--" % level for level in reversed(range(depth))]
    headers = standard_headers(
        subject, content_type='multipart/mixed; boundary="n0"', encoding=None
    )
    return raw_message(headers, b"".join(pieces) + b"\n")


def _nested_rfc822() -> bytes:
    """A forward as attachment of a forward as attachment of a message: three levels."""
    inner = raw_message(
        standard_headers("Nível 3", sender="Ana Lima <ana.lima@ufes.br>"),
        "Mensagem mais interna.\n",
        linesep=b"\n",
    )
    for level in (2, 1):
        inner = raw_message(
            standard_headers(
                f"Nível {level}",
                sender=f"Pessoa {level} <pessoa{level}@ifes.edu.br>",
                content_type=f'multipart/mixed; boundary="lvl{level}"',
                encoding=None,
            ),
            multipart(
                f"lvl{level}",
                [
                    part("text/plain; charset=utf-8", f"Texto do nível {level}."),
                    b"Content-Type: message/rfc822\n\n" + inner,
                ],
            ),
            linesep=b"\n",
        )
    return raw_message(
        standard_headers(
            "Fwd: Nível 1",
            message_id="<nested-rfc822@corpus>",
            content_type='multipart/mixed; boundary="outer"',
            encoding=None,
        ),
        multipart(
            "outer",
            [
                part("text/plain; charset=utf-8", ""),
                b"Content-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner,
            ],
        ),
    )


def hostile_corpus() -> list[tuple[str, bytes]]:
    """(name, raw bytes) of messages that real mailboxes contain, from dull to hostile."""
    rng = random.Random(20250303)
    corpus: list[tuple[str, bytes]] = []
    add = corpus.append

    add(
        _simple(
            "plain_utf8",
            "Olá, gostaria de saber sobre a matrícula.\n",
            subject="=?UTF-8?Q?D=C3=BAvida_sobre_matr=C3=ADcula?=",
        )
    )
    add(
        (
            "crlf_multipart_alternative",
            raw_message(
                standard_headers(
                    "Dados da defesa",
                    message_id="<alt@corpus>",
                    content_type='multipart/alternative; boundary="000000000000alt"',
                    encoding=None,
                ),
                multipart(
                    "000000000000alt",
                    [
                        part("text/plain; charset=UTF-8", "Título: Um estudo\n"),
                        part("text/html; charset=UTF-8", "<div><b>Título:</b> Um estudo</div>"),
                    ],
                ),
            ),
        )
    )
    add(
        (
            "lf_only",
            raw_message(
                standard_headers("Só LF", message_id="<lf@corpus>"),
                "Linha 1\nLinha 2\n",
                linesep=b"\n",
            ),
        )
    )
    add(
        (
            "lone_cr_line_endings",
            raw_message(
                standard_headers("Mac antigo", message_id="<cr@corpus>"),
                "Linha 1\nLinha 2\n",
                linesep=b"\r",
            ),
        )
    )
    add(
        (
            "broken_boundary",
            raw_message(
                standard_headers(
                    "Fronteira errada",
                    content_type='multipart/mixed; boundary="AAA"',
                    encoding=None,
                ),
                multipart("BBB", [part("text/plain", "Texto perdido entre fronteiras.")]),
            ),
        )
    )
    add(
        (
            "missing_final_boundary",
            raw_message(
                standard_headers(
                    "Sem fronteira final",
                    content_type='multipart/mixed; boundary="open"',
                    encoding=None,
                ),
                multipart(
                    "open",
                    [
                        part("text/plain; charset=utf-8", "Segue o anexo."),
                        part(
                            "application/pdf",
                            _b64(b"%PDF-1.4 anexo"),
                            'Content-Disposition: attachment; filename="anexo.pdf"',
                            "Content-Transfer-Encoding: base64",
                        ),
                    ],
                    close=False,
                ),
            ),
        )
    )
    add(
        (
            "duplicate_boundary_lines",
            raw_message(
                standard_headers(
                    "Fronteiras repetidas",
                    content_type='multipart/mixed; boundary="dup"',
                    encoding=None,
                ),
                b"--dup\n--dup\nContent-Type: text/plain\n\nDepois de duas fronteiras.\n--dup--\n",
            ),
        )
    )
    add(
        (
            "multipart_without_boundary_param",
            raw_message(
                standard_headers("Sem boundary", content_type="multipart/mixed", encoding=None),
                "--x\nContent-Type: text/plain\n\nconteúdo\n--x--\n",
            ),
        )
    )
    add(_simple("undeclared_8bit_utf8_body", "Ação e educação.\n", content_type="text/plain"))
    add(
        _simple(
            "undeclared_8bit_latin1_body",
            "Ação e educação.\n".encode("latin-1"),
            content_type="text/plain",
        )
    )
    add(
        _simple(
            "latin1_declared_utf8",
            "Solicitação de acesso.\n".encode("latin-1"),
            content_type="text/plain; charset=utf-8",
        )
    )
    add(
        _simple(
            "utf8_declared_latin1",
            "Solicitação de acesso.\n",
            content_type="text/plain; charset=iso-8859-1",
        )
    )
    add(
        _simple(
            "unknown_charset",
            "Coordenação.\n",
            content_type="text/plain; charset=x-unknown",
        )
    )
    add(
        _simple(
            "iso_8859_1_quoted_printable",
            b"Prezada coordena=E7=E3o,\nsolicito acesso ao laborat=F3rio.=\n Obrigado.\n",
            content_type="text/plain; charset=iso-8859-1",
            encoding="quoted-printable",
        )
    )
    add(
        _simple(
            "windows_1252_smart_quotes",
            "Chamado “Defesa” – custo 10 €.\n".encode("cp1252"),
            content_type="text/plain; charset=windows-1252",
        )
    )
    add(
        _simple(
            "base64_utf8_body",
            _b64("Orientador: Prof. Dr. João Ninguém\n".encode()),
            content_type='text/plain; charset="utf-8"',
            encoding="base64",
        )
    )
    add(
        _simple(
            "utf16_body",
            _b64("Acentuação em UTF-16.".encode("utf-16")),
            content_type="text/plain; charset=utf-16",
            encoding="base64",
        )
    )
    add(
        _simple(
            "rfc2047_subject_charsets",
            "corpo\n",
            subject=(
                "=?iso-8859-1?Q?Solicita=E7=E3o?= =?UTF-8?B?IGRlIGFjZXNzbw==?= "
                "=?windows-1252?Q?_=93urgente=94?="
            ),
        )
    )
    add(
        _simple(
            "rfc2047_split_multibyte",
            "corpo\n",
            # "João" with the two bytes of "ã" split across two encoded-words.
            subject="=?UTF-8?B?Sm/D?= =?UTF-8?B?o28=?=",
        )
    )
    add(
        _simple(
            "malformed_encoded_words",
            "corpo\n",
            subject=("=?UTF-8?Q?Ol=C3=A1?= =?utf-8?B?#%%?= =?x-bogus?Q?abc?= =?UTF-8?Q?sem_fim"),
        )
    )
    add(
        _simple(
            "raw_8bit_headers",
            "corpo\n",
            subject="Defesa de Dissertação".encode(),
            sender="João Gonçalves <joao.goncalves@ifes.edu.br>".encode("latin-1"),
        )
    )
    add(
        _simple(
            "long_header_line",
            "corpo\n",
            subject=("palavra " * 1250).strip(),
            extra=[("X-Long", "x" * 10_000)],
        )
    )
    add(
        (
            "nul_bytes",
            raw_message(
                standard_headers(b"Assunto\x00com NUL", message_id="<nul@corpus>"),
                b"Corpo\x00com\x00NUL.\n",
            ),
        )
    )
    add(("no_headers", "Apenas um texto sem cabeçalhos.\nSegunda linha.\n".encode()))
    add(
        (
            "headers_only",
            b"From: maria.souza@aluno.ifes.edu.br\r\nSubject: Sem corpo\r\n"
            b"Message-ID: <headers-only@corpus>\r\n",
        )
    )
    add(_simple("missing_subject", "corpo\n", subject=None))
    add(
        (
            "missing_message_id",
            raw_message(standard_headers("Sem Message-ID"), "corpo\n"),
        )
    )
    add(
        (
            "two_message_ids",
            raw_message(
                standard_headers(
                    "Dois ids",
                    message_id=" <primeiro@corpus> ",
                    extra=[("Message-ID", "<segundo@corpus>")],
                ),
                "corpo\n",
            ),
        )
    )
    add(
        (
            "message_id_too_long",
            raw_message(
                standard_headers("Id enorme", message_id="<" + "a" * 1000 + "@corpus>"),
                "corpo\n",
            ),
        )
    )
    add(
        (
            "garbage_date",
            raw_message(
                [("From", SENDER), ("Subject", "Data ruim"), ("Date", "ontem à tarde")],
                "corpo\n",
            ),
        )
    )
    add(
        (
            "date_out_of_range",
            raw_message(
                [
                    ("From", SENDER),
                    ("Subject", "Data impossível"),
                    ("Date", "Fri, 31 Dec 9999 23:59:59 -1200"),
                ],
                "corpo\n",
            ),
        )
    )
    add(_simple("missing_from", "corpo\n", sender=None))
    add(_simple("from_without_address", "corpo\n", sender="Fulano de Tal"))
    add(
        (
            "address_groups_and_comments",
            raw_message(
                [
                    ("From", "maria.souza@aluno.ifes.edu.br (Maria Souza)"),
                    ("To", "undisclosed-recipients:;"),
                    ("Cc", 'Grupo: a@ifes.edu.br, b@ifes.edu.br;, "Lima, Ana" <ana@ufes.br>'),
                    ("Reply-To", "<<<quebrado@"),
                    ("Subject", "Endereços estranhos"),
                ],
                "corpo\n",
            ),
        )
    )
    add(
        (
            "mbox_from_line",
            b"From maria.souza@aluno.ifes.edu.br Mon Mar  3 10:12:00 2025\n"
            + raw_message(standard_headers("Exportado de mbox"), "corpo\n", linesep=b"\n"),
        )
    )
    add(
        (
            "first_header_is_continuation",
            b"  continua\r\n" + raw_message(standard_headers("Continuação"), "corpo\n"),
        )
    )
    add(("nested_rfc822_three_levels", _nested_rfc822()))
    add(
        (
            "encoded_rfc822_part",
            raw_message(
                standard_headers(
                    "Fwd: codificado", content_type='multipart/mixed; boundary="enc"', encoding=None
                ),
                multipart(
                    "enc",
                    [
                        part("text/plain", ""),
                        part(
                            "message/rfc822",
                            _b64(
                                raw_message(
                                    standard_headers(
                                        "Original em base64",
                                        sender="Carlos Lima <carlos.lima@ifes.edu.br>",
                                    ),
                                    "Texto original.\n",
                                )
                            ),
                            "Content-Transfer-Encoding: base64",
                        ),
                    ],
                ),
            ),
        )
    )
    add(
        (
            "rfc2231_attachment_name",
            raw_message(
                standard_headers(
                    "Ata", content_type='multipart/mixed; boundary="r2231"', encoding=None
                ),
                multipart(
                    "r2231",
                    [
                        part("text/plain; charset=utf-8", "Segue a ata."),
                        part(
                            "application/pdf",
                            _b64(b"%PDF-1.4 ata"),
                            "Content-Transfer-Encoding: base64",
                            "Content-Disposition: attachment;\n"
                            " filename*0*=utf-8''Ata%20de%20defesa%20%E2%80%93%20Jo;\n"
                            " filename*1*=%C3%A3o.pdf",
                        ),
                    ],
                ),
            ),
        )
    )
    add(
        (
            "encoded_word_filenames",
            raw_message(
                standard_headers(
                    "Declarações", content_type='multipart/mixed; boundary="ew"', encoding=None
                ),
                multipart(
                    "ew",
                    [
                        part("text/plain", "Seguem."),
                        part(
                            "application/pdf",
                            _b64(b"%PDF-1.4 a"),
                            "Content-Transfer-Encoding: base64",
                            "Content-Disposition: attachment;"
                            ' filename="=?UTF-8?Q?Declara=C3=A7=C3=A3o.pdf?="',
                        ),
                        part(
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document;"
                            ' name="=?utf-8?B?Rm9saGEgZGUgYXByb3Zhw6fDo28uZG9jeA==?="',
                            _b64(b"PK\x03\x04docx"),
                            "Content-Transfer-Encoding: base64",
                        ),
                        part(
                            "application/pdf",
                            _b64(b"%PDF-1.4 b"),
                            "Content-Transfer-Encoding: base64",
                            # Raw UTF-8 in the header, undeclared: what some webmails send.
                            'Content-Disposition: attachment; filename="Relatório.pdf"',
                        ),
                    ],
                ),
            ),
        )
    )
    add(
        (
            "broken_base64_attachment",
            raw_message(
                standard_headers(
                    "Base64 quebrado", content_type='multipart/mixed; boundary="b64"', encoding=None
                ),
                multipart(
                    "b64",
                    [
                        part("text/plain", "Anexo truncado."),
                        part(
                            "application/octet-stream",
                            # "Hello, world" with junk characters and a truncated tail.
                            b"SGVsbG8s!!IHdv\ncmxk*ZZZ",
                            "Content-Transfer-Encoding: base64",
                            'Content-Disposition: attachment; filename="dados.bin"',
                        ),
                    ],
                ),
            ),
        )
    )
    add(
        (
            "html_only_table",
            raw_message(
                standard_headers("Dados da defesa", content_type="text/html; charset=utf-8"),
                "<html><head><style>td{color:red}</style></head><body>"
                "<p>Prezada secretaria,</p><table>"
                "<tr><td><p>Nome Completo Aluno:</p></td><td><p>Fulano de Tal</p></td></tr>"
                "<tr><td>T&iacute;tulo:</td><td>Um &amp; Outro</td></tr>"
                "</table><script>alert('x')</script><p>Att.</p></body></html>",
            ),
        )
    )
    add(
        (
            "inline_image",
            raw_message(
                standard_headers(
                    "Com imagem", content_type='multipart/related; boundary="rel"', encoding=None
                ),
                multipart(
                    "rel",
                    [
                        part("text/html; charset=utf-8", '<p>Veja:</p><img src="cid:logo">'),
                        part(
                            "image/png",
                            _b64(b"\x89PNG\r\n\x1a\nimagem"),
                            "Content-Transfer-Encoding: base64",
                            "Content-ID: <logo>",
                            "Content-Disposition: inline",
                        ),
                    ],
                ),
            ),
        )
    )
    add(
        (
            "many_attachments",
            raw_message(
                standard_headers(
                    "Muitos anexos", content_type='multipart/mixed; boundary="many"', encoding=None
                ),
                multipart(
                    "many",
                    [part("text/plain", "Trezentos anexos.")]
                    + [
                        part(
                            "text/csv",
                            f"linha,{index}\n",
                            f'Content-Disposition: attachment; filename="planilha-{index}.csv"',
                        )
                        for index in range(300)
                    ],
                ),
            ),
        )
    )
    add(
        _simple(
            "bad_content_type",
            "Tipo sem barra.\n",
            content_type="texto",
        )
    )
    add(
        _simple(
            "unknown_transfer_encoding",
            "Codificação desconhecida.\n",
            content_type="text/plain; charset=utf-8",
            encoding="x-gzip",
        )
    )
    add(
        (
            "bounce_report",
            raw_message(
                [
                    ("From", "Mail Delivery System <MAILER-DAEMON@mx.ifes.edu.br>"),
                    ("To", "secretaria.ppcomp@ifes.edu.br"),
                    ("Subject", "Undelivered Mail Returned to Sender"),
                    ("Date", DATE),
                    ("Message-ID", "<bounce@corpus>"),
                    ("Auto-Submitted", "auto-replied"),
                    (
                        "Content-Type",
                        'multipart/report; report-type=delivery-status; boundary="dsn"',
                    ),
                ],
                multipart(
                    "dsn",
                    [
                        part("text/plain", "Não foi possível entregar a mensagem."),
                        part(
                            "message/delivery-status",
                            "Reporting-MTA: dns; mx.ifes.edu.br\n\n"
                            "Final-Recipient: rfc822; ninguem@ifes.edu.br\nAction: failed\n",
                        ),
                        part(
                            "message/rfc822",
                            raw_message(
                                standard_headers(
                                    "Resposta da secretaria",
                                    sender=SECRETARIAT,
                                ),
                                "texto devolvido\n",
                                linesep=b"\n",
                            ),
                        ),
                    ],
                ),
            ),
        )
    )
    add(("deep_multipart_50", _nested_multipart("Fundo", 50)))
    add(("deep_multipart_2000", _nested_multipart("Fundo demais", 2000)))
    add(
        (
            "pathological_html",
            raw_message(
                standard_headers("HTML patológico", content_type="text/html; charset=utf-8"),
                "<p>início</p>" + "<a " * 20_000 + "<!--" + "<table><td>" * 500,
            ),
        )
    )
    add(("empty_bytes", b""))
    add(("random_garbage", rng.randbytes(4096)))
    add(("random_garbage_with_header", b"Subject: lixo\r\n\r\n" + rng.randbytes(4096)))
    return corpus


def big_attachment_payload(size_mb: int = 15) -> bytes:
    """Deterministic "PDF" content of ``size_mb`` MiB (the test recomputes it to compare)."""
    size = size_mb * 1024 * 1024
    block = bytes(range(256)) * 64
    return (b"%PDF-1.4\n" + block * (size // len(block) + 1))[:size]


def big_attachment_message(size_mb: int = 15) -> bytes:
    """A defence request with a ``size_mb`` MiB PDF attached (base64, CRLF lines)."""
    encoded = base64.encodebytes(big_attachment_payload(size_mb)).replace(b"\n", b"\r\n")
    head = raw_message(
        standard_headers(
            "Ata de defesa (arquivo grande)",
            message_id="<big-attachment@corpus>",
            content_type='multipart/mixed; boundary="big"',
            encoding=None,
        ),
        "--big\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Segue a ata digitalizada.\n"
        "--big\n"
        "Content-Type: application/pdf\n"
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="ata-digitalizada.pdf"\n\n',
    )
    return b"".join((head, encoded, b"--big--\r\n"))
