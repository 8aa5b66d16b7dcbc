"""The benchmark's mixed mailbox: plain, multipart, latin-1, 10% with a ~50 KB attachment."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

SUBJECTS = [
    "Solicitação de acesso ao laboratório",
    "Dados da defesa de mestrado",
    "Fwd: Defesa - banca examinadora",
    "Dúvida sobre matrícula",
    "Re: Chamado de defesa",
]
BODY = (
    "Prezada secretaria,\n\nSegue a solicitação conforme combinado. Nome Completo Aluno: "
    "João da Silva\nTítulo: Um estudo sobre classificação de e-mails\nData: 15/10/2025\n"
    "Horário: 14:00h\nSala: 207\n\nAtenciosamente,\nProf. Dr. Fulano de Tal\n"
)


def mixed_message(i: int, rng: random.Random) -> bytes:
    date = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    kind = i % 3
    msg = EmailMessage()
    msg["Subject"] = f"{SUBJECTS[i % len(SUBJECTS)]} #{i}"
    msg["From"] = f"Pessoa {i} <pessoa{i}@aluno.ifes.edu.br>"
    msg["To"] = "secretaria.ppcomp@ifes.edu.br"
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<bench-{i}-{rng.getrandbits(32):x}@bench.example>"
    body = BODY * (1 + i % 4)
    if kind == 0:
        msg.set_content(body)
    elif kind == 1:
        msg.set_content(body)
        msg.add_alternative(
            f"<html><body><p>{body.replace(chr(10), '<br>')}</p></body></html>", subtype="html"
        )
    else:
        msg.set_content(body, charset="iso-8859-1", cte="quoted-printable")
    if i % 10 == 0:
        msg.add_attachment(
            os.urandom(50 * 1024),
            maintype="application",
            subtype="pdf",
            filename=f"documento-{i}.pdf",
        )
    return msg.as_bytes()


def mixed_mailbox(count: int, start: int = 0, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed + start)
    return [mixed_message(i, rng) for i in range(start, start + count)]
