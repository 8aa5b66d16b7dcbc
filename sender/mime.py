"""The bytes of an outgoing message, written directly.

Django's EmailMultiAlternatives builds a tree of email.mime objects and has the standard
library's generator walk it, folding every header through email.header.Header: that was
half of a worker's time per message. This module writes the same bytes (CRLF line ends,
what EmailMultiAlternatives(...).message().as_bytes(linesep="\\r\\n") gives) with Django's own
header encoding (forbid_multi_line_headers: RFC 2047 subjects and names) and the
standard library's folding, called only for the values that need them, and its RFC 2231
parameters for attachment names. The shapes the outbox uses are covered: a text body, an
HTML alternative, attachments. Anything else (a line longer than 998 bytes, which Django
sends quoted-printable, or a message/* attachment) gets None, and the caller falls back to
Django; sender/tests/test_mime.py compares both byte for byte.
"""

from __future__ import annotations

import base64
import mimetypes
import random
import re
import sys
from email import base64mime, quoprimime
from email.header import Header
from email.message import _formatparam
from email.policy import compat32
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail.message import (
    DEFAULT_ATTACHMENT_MIME_TYPE,
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
)
from django.core.mail.utils import DNS_NAME

CRLF = "\r\n"
_POLICY = compat32.clone(linesep=CRLF)
_NEWLINES = re.compile(r"\r\n|\r|\n")
# A value compat32 writes back unchanged: printable ASCII words separated by single spaces.
_PLAIN_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*")
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))
# Bytes RFC 2047's q encoding writes as one character (a space becomes "_").
_Q_LITERAL = bytes(o for o in range(256) if len(quoprimime._QUOPRI_HEADER_MAP[o]) == 1)
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to"})
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# user@example.org with nothing to quote or parse: email.utils reads it as it is
PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def plain_addresses(value: str) -> list[str] | None:
    """The addresses of a comma-separated list of plain ones (what getaddresses() gives
    for it, at a tenth of its cost); None when some address needs the real parser."""
    addresses = [address.strip() for address in value.split(",")]
    if all(PLAIN_ADDRESS.fullmatch(address) for address in addresses):
        return addresses
    return None


def _header(name: str, value: str) -> str:
    """One header line as Django sets it (forbid_multi_line_headers) and compat32 folds
    it; a short plain ASCII value passes both unchanged."""
    if len(name) + len(value) <= 76 and value.isascii() and _PLAIN_VALUE.fullmatch(value):
        return f"{name}: {value}{CRLF}"
    if name.lower() in _ADDRESS_HEADERS or "\n" in value or "\r" in value:
        name, value = forbid_multi_line_headers(name, value, "utf-8")
    elif value.isascii() and name != "Subject":
        pass  # Django leaves it as it is
    else:
        value = _encoded_word(value)
        if len(name) + len(value) <= 76 and _PLAIN_VALUE.fullmatch(value):
            return f"{name}: {value}{CRLF}"
    return _POLICY.fold(name, value)


def _encoded_word(value: str) -> str:
    """Header(value, "utf-8").encode() (what Django does to a subject, and to any
    non-ASCII value), whose brute-force line splitting costs a tenth of a millisecond: a
    value that fits in one RFC 2047 word gets the shorter of the b and q forms, as there."""
    raw = value.encode("utf-8")
    # quoprimime.header_length(raw), without a Python loop over the bytes
    q_length = len(raw) + 2 * len(raw.translate(None, _Q_LITERAL))
    b_length = base64mime.header_length(raw)
    # 76 columns less the chrome of "=?utf-8?b??="
    if min(b_length, q_length) > 76 - len("=?utf-8?b??=") or value.isascii():
        return Header(value, None if value.isascii() else "utf-8").encode()
    if b_length < q_length:
        return base64mime.header_encode(raw, charset="utf-8")
    return quoprimime.header_encode(raw, charset="utf-8")


def _lines(text: str) -> str:
    """Line ends as the generator writes them."""
    if "\r" not in text:
        return text.replace("\n", CRLF)
    return _NEWLINES.sub(CRLF, text)


def _text_part(text: str, subtype: str) -> tuple[list[str], bytes] | None:
    """Headers and body of a text/* part (Django's SafeMIMEText with utf-8)."""
    raw = text.encode("utf-8")
    if len(raw) > RFC5322_EMAIL_LINE_LENGTH_LIMIT and any(
        len(line.encode("utf-8", "surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in text.splitlines()
    ):
        return None  # Django sends this one quoted-printable
    headers = [
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}',
        f"MIME-Version: 1.0{CRLF}",
        f"Content-Transfer-Encoding: {'7bit' if raw.isascii() else '8bit'}{CRLF}",
    ]
    return headers, _lines(text).encode("utf-8")


def _boundary(parts: list[bytes]) -> str:
    token = random.randrange(sys.maxsize)  # noqa: S311 - a MIME boundary, not a secret
    boundary = "=" * 15 + f"{token:0{_BOUNDARY_DIGITS}d}" + "=="
    text = b"\r\n".join(parts)
    candidate, counter = boundary, 0
    while re.search(b"^--" + re.escape(candidate.encode()) + b"(--)?$", text, re.M):
        candidate = f"{boundary}.{counter}"
        counter += 1
    return candidate


def _part(headers: list[str], body: bytes) -> bytes:
    return "".join(headers).encode("ascii") + CRLF.encode() + body


def _multipart(subtype: str, parts: list[bytes]) -> tuple[list[str], bytes]:
    boundary = _boundary(parts)
    headers = [
        _header("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'),
        f"MIME-Version: 1.0{CRLF}",
    ]
    delimiter = f"{CRLF}--{boundary}{CRLF}".encode()
    body = (
        f"--{boundary}{CRLF}".encode()
        + delimiter.join(parts)
        + f"{CRLF}--{boundary}--{CRLF}".encode()
    )
    return headers, body


def _attachment(filename: str, content: bytes | str, mimetype: str | None) -> bytes | None:
    """One attachment part, as EmailMessage.attach() and _create_attachment() make it."""
    mimetype = mimetype or mimetypes.guess_type(filename)[0] or DEFAULT_ATTACHMENT_MIME_TYPE
    basetype, subtype = mimetype.split("/", 1)
    if basetype == "text" and isinstance(content, bytes):
        try:
            content = content.decode()
        except UnicodeDecodeError:
            basetype, subtype = DEFAULT_ATTACHMENT_MIME_TYPE.split("/", 1)
    if basetype == "text":
        text = _text_part(content, subtype)
        if text is None:
            return None
        headers, body = text
    elif basetype == "message" or not content:
        return None
    else:
        if isinstance(content, str):
            content = content.encode("ascii", "surrogateescape")
        headers = [
            _header("Content-Type", f"{basetype}/{subtype}"),
            f"MIME-Version: 1.0{CRLF}",
            f"Content-Transfer-Encoding: base64{CRLF}",
        ]
        body = base64.encodebytes(content).replace(b"\n", b"\r\n")
    if filename:
        param = filename if filename.isascii() else ("utf-8", "", filename)
        headers.append(
            _header("Content-Disposition", "attachment; " + _formatparam("filename", param))
        )
    return _part(headers, body)


def message_bytes(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: list[str],
    cc: list[str],
    reply_to: list[str],
    headers: dict[str, str],
    html: str = "",
    attachments: list[tuple[str, bytes | str, str | None]] = (),
) -> bytes | None:
    """What EmailMultiAlternatives(subject, body, from_email, to, cc=cc, reply_to=reply_to,
    headers=headers) with `html` as its text/html alternative and `attachments` gives as
    bytes, or None for a shape this module leaves to Django."""
    if settings.DEFAULT_CHARSET != "utf-8":
        return None  # Django's own rules for other charsets
    part = _text_part(body, "plain")
    if part is None:
        return None
    top, content = part
    if html:
        alternative = _text_part(html, "html")
        if alternative is None:
            return None
        subparts = [_part(*alternative)]
        if body:
            subparts.insert(0, _part(top, content))
        top, content = _multipart("alternative", subparts)
    if attachments:
        subparts = []
        if body or html:
            subparts.append(_part(top, content))
        for filename, data, mimetype in attachments:
            encoded = _attachment(filename, data, mimetype)
            if encoded is None:
                return None
            subparts.append(encoded)
        top, content = _multipart("mixed", subparts)
    lines = list(top)
    lines.append(_header("Subject", subject))
    lines.append(_header("From", headers.get("From", from_email)))
    for name, values in (("To", to), ("Cc", cc), ("Reply-To", reply_to)):
        if values:
            lines.append(_header(name, ", ".join(values)))
    given = {name.lower() for name in headers}
    if "date" not in given:
        lines.append(f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}{CRLF}")
    if "message-id" not in given:
        lines.append(_header("Message-ID", make_msgid(domain=DNS_NAME)))
    for name, value in headers.items():
        if name.lower() not in _ADDRESS_HEADERS:
            lines.append(_header(name, value))
    lines.append(CRLF)
    return "".join(lines).encode("ascii") + content
