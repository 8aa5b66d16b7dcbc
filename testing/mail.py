"""Raw messages as a mail client would send them, for tests, the hostile suite and the
bench (a support module, not a test module: the bench may import it)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

_counter = itertools.count(1)


def make_raw(
    *,
    subject: str = "Solicitação de acesso ao laboratório",
    from_: str = "Maria Souza <maria.souza@aluno.ifes.edu.br>",
    to: str = "secretaria.ppcomp@ifes.edu.br",
    body: str = "Prezados, gostaria de solicitar acesso aos computadores do laboratório.",
    message_id: str | None = "auto",
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = from_
    msg["To"] = to
    msg["Date"] = format_datetime(date or datetime(2025, 3, 3, 13, 12, tzinfo=UTC))
    if message_id == "auto":
        msg["Message-ID"] = make_msgid(idstring=f"t{next(_counter)}", domain="test.example")
    elif message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, payload in attachments or []:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()
