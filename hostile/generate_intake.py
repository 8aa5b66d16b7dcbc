"""Huge hostile messages for the intake tests, made at test time (never files in git)."""

from __future__ import annotations

import base64

from testing.mail import make_raw

MB = 1024 * 1024


def big_attachment_message(
    size_bytes: int, *, subject: str = "Anexo enorme", tag: str = "big"
) -> bytes:
    """A message whose attachment makes the whole message at least ``size_bytes`` long
    (base64 grows the attachment by a third, so the payload is 3/4 of it)."""
    payload = (b"%PDF-1.4 mailflow hostile " * (size_bytes // 26 + 1))[: size_bytes * 3 // 4 + 1]
    return make_raw(
        subject=subject,
        message_id=f"<{tag}-{size_bytes}@hostile.example>",
        attachments=[("enorme.pdf", "application/pdf", payload)],
    )


def many_references_message(count: int = 260_000, *, subject: str = "Re: pedido") -> bytes:
    """A reply whose References header lists ``count`` Message-IDs (about 40 bytes each,
    one per folded line: about 10 MB of header)."""
    refs = "\r\n ".join(f"<guess-{n:07d}@ppcomp.ifes.edu.br>" for n in range(count))
    head = (
        f"Subject: {subject}\r\n"
        "From: Maria Souza <maria.souza@aluno.ifes.edu.br>\r\n"
        "To: secretaria.ppcomp@ifes.edu.br\r\n"
        "Date: Mon, 03 Mar 2025 13:12:00 +0000\r\n"
        "Message-ID: <many-references@hostile.example>\r\n"
        "In-Reply-To: <guess-0000000@ppcomp.ifes.edu.br>\r\n"
        f"References: {refs}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head.encode() + b"Prezados, segue a resposta.\r\n"


def nested_divs_message(depth: int = 200_000) -> bytes:
    """An HTML-only message of ``depth`` nested <div>s (about 2 MB of HTML)."""
    html = "<div>" * depth + "Pedido de acesso" + "</div>" * depth
    head = (
        "Subject: HTML aninhado\r\n"
        "From: Maria Souza <maria.souza@aluno.ifes.edu.br>\r\n"
        "To: secretaria.ppcomp@ifes.edu.br\r\n"
        "Date: Mon, 03 Mar 2025 13:12:00 +0000\r\n"
        f"Message-ID: <nested-divs-{depth}@hostile.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    body = base64.encodebytes(html.encode()).replace(b"\n", b"\r\n")
    return head.encode() + body
