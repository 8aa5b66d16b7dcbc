"""MIME parsing of one raw message into the fields mailflow stores.

Pure Python (no Django imports), so it can be unit-tested and benchmarked alone.

The MIME structure comes from the standard library parser with ``email.policy.default``,
except that header values are kept as raw text and decoded here: the default header
registry runs a pure-Python RFC 5322 parser on every header read (about 1 ms per message,
20 times the rest of the parse) and raises on some malformed headers.
"""

from __future__ import annotations

import binascii
import codecs
import email
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser, Parser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from io import BytesIO
from itertools import pairwise

from emails.autodetect import HEADERS_READ, detect_automatic
from emails.forwards import ForwardInfo, find_forward, parse_forward_date, split_sender
from emails.htmltext import html_to_text


class EmailParseError(Exception):
    """The bytes cannot be read as an email at all (the raw message is still stored)."""


@dataclass
class ParsedAttachment:
    filename: str  # as the sender named it, RFC 2231 / RFC 2047 decoded; "" when unnamed
    content_type: str  # e.g. "application/pdf"
    payload: bytes  # decoded content


@dataclass
class ParsedEmail:
    message_id: str = ""  # without angle brackets; "" when absent or unusable
    in_reply_to: str = ""  # first id, without angle brackets
    references: str = ""  # ids separated by one space, without angle brackets
    subject: str = ""
    from_name: str = ""
    from_address: str = ""  # lower-cased
    to: str = ""  # comma separated addresses
    cc: str = ""
    reply_to: str = ""
    date: datetime | None = None  # timezone-aware (UTC when the header had no zone)
    body_text: str = ""
    body_html: str = ""
    forwarded: bool = False
    original_from_name: str = ""
    original_from_address: str = ""
    original_subject: str = ""
    original_date: datetime | None = None
    auto_generated: bool = False
    auto_reason: str = ""  # e.g. "Auto-Submitted: auto-replied"
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # human-readable parse problems


class _RawHeaderPolicy(EmailPolicy):
    """``policy.default`` whose header values are the unfolded source text, not objects."""

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        return value.replace("\r", "").replace("\n", "")


_POLICY = _RawHeaderPolicy()
# Re-serialises embedded messages with their original header lines (no refolding).
_GENERATOR_POLICY = _POLICY.clone(refold_source="none", linesep="\r\n")

_HEADER_PARSER = Parser(policy=_POLICY)
_FAST_MAX_DEPTH = 30
_BLANK_LINE = re.compile(rb"\n\r?\n")
_MESSAGE_ID_MAX = 900
# References kept: the last ones name the messages closest to this one, which is all the
# threading needs. A message listing 260,000 ids must not become a 260,000-item SQL IN list
# (SQLite refuses more than 250,000 variables, and every later message would wait behind it).
REFERENCES_MAX = 50
# html.parser reads ~3 MB/s; the request is at the top anyway
HTML_TEXT_MAX_CHARS = _HTML_TEXT_MAX = 2_000_000
_FILENAME_MAX = 255
_EMBEDDED_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([QqBb])\?([^?]*)\?=")
_ANGLE_ID = re.compile(r"<([^<>]*)>")
_ADDRESS_ITEM = re.compile(r'(?:"[^"]*"|[^,"])+')
_ADDR_SPEC = r'[^\s<>(),;:@"\\\[\]]+@[^\s<>(),;:@"\\\[\]]+'
_NAMED_ADDRESS = re.compile(
    rf'\s*(?:"(?P<quoted>[^"]*)"\s*|(?P<name>[^<>(),;:@"\\\[\]]*))<(?P<address>{_ADDR_SPEC})>\s*'
)
_BARE_ADDRESS = re.compile(rf"\s*(?P<name>)(?P<quoted>)(?P<address>{_ADDR_SPEC})\s*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FILENAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_NOT_ALPHABET = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_B64_EXPECTED = _B64_ALPHABET + b"=\r\n\t "

# Undecodable bytes come back from "surrogateescape" as U+DC80..U+DCFF; map each one to
# its windows-1252 character (or the Latin-1 one for the five bytes cp1252 leaves undefined,
# as browsers do).
_SURROGATE_TO_CP1252 = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", "ignore") or chr(byte)
    for byte in range(0x80, 0x100)
}
_SURROGATE_TO_LATIN1 = {0xDC00 + byte: chr(byte) for byte in range(0x80, 0x100)}

# Labels that name a larger or fixed-up Python codec, or that Python does not know.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
}
# Python codecs that are not mail charsets (they interpret the text, or always fail).
_REFUSED_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "palmos"}
)
# Western single-byte labels: often really UTF-8, and "latin-1"/"ascii" usually cp1252.
_WESTERN_CODECS = frozenset({"ascii", "iso8859-1", "cp1252", "iso8859-15", "latin-1"})
_AS_CP1252 = frozenset({"ascii", "iso8859-1", "latin-1"})
_NON_ASCII_SAFE = ("utf-16", "utf-32", "utf-7")


# -- public entry point -------------------------------------------------------------------


def parse_email(raw: bytes) -> ParsedEmail:
    """Everything mailflow stores about one raw RFC 5322 message.

    Never raises on malformed mail: what cannot be read is left empty and described in
    ``defects``. Raises EmailParseError only when ``raw`` is not bytes at all.
    """
    return _parse_email(raw, fast=True)


def _parse_email(raw: bytes, *, fast: bool) -> ParsedEmail:
    if isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise EmailParseError(f"expected the raw message as bytes, got {type(raw).__name__}")
    result = ParsedEmail()
    defects = _Defects(result.defects)
    if not raw.strip():
        defects.add("empty message")
        return result

    message = _parse_mime(raw, defects, fast=fast)
    headers = _header_values(message)
    first = {name: values[0] for name, values in headers.items()}

    result.message_id = _message_id(first.get("message-id"))
    ids = _message_ids(_head(first.get("in-reply-to"), _MESSAGE_ID_MAX + 2))
    result.in_reply_to = ids[0] if ids else ""
    result.references = " ".join(_last_references(first.get("references")))
    result.subject = _header_text(first.get("subject"), defects)
    result.from_name, result.from_address = _sender(first.get("from"), defects)
    result.to = _address_list(headers.get("to"), defects)
    result.cc = _address_list(headers.get("cc"), defects)
    result.reply_to = _address_list(headers.get("reply-to"), defects)
    result.date = _header_date(first.get("date"), defects)
    if "subject" not in first:
        defects.add("no Subject header")
    if "message-id" not in first:
        defects.add("no Message-ID header")
    elif len(headers["message-id"]) > 1:
        defects.add("several Message-ID headers; the first one is used")
    if "from" not in first:
        defects.add("no From header")

    body = _collect_parts(message, defects)
    result.body_html = body.html
    result.body_text = body.text(defects)
    result.attachments = body.attachments

    # The topmost forward wins: a block written in the body, else a forwarded attachment.
    forward = find_forward(result.body_text, result.subject)
    if forward is None and body.embedded:
        forward = _embedded_forward(body.embedded[0], defects)
        # "Forward as attachment": the attached message is the content (the note above it
        # says little more than "segue"), so its text follows the note as an inline
        # forward would, and the classifier, the extractions and staff read it there.
        inner = _collect_parts(body.embedded[0], _Defects([]), keep_attachments=False)
        result.body_text = _with_attached_forward(
            result.body_text, forward, body.embedded[0], inner.text(), defects
        )
    if forward is not None:
        result.forwarded = True
        result.original_from_name = forward.from_name
        result.original_from_address = forward.from_address
        result.original_subject = forward.subject
        result.original_date = forward.date

    result.auto_reason = detect_automatic(
        {name: _header_text(first[name], defects) for name in HEADERS_READ if name in first},
        from_address=result.from_address,
        from_name=result.from_name,
        content_type=_view(message).content_type,
    )
    result.auto_generated = bool(result.auto_reason)
    return _sanitised(result)


class _Defects:
    """Collects human-readable problems once each, in the order they were met."""

    def __init__(self, target: list[str]) -> None:
        self._items = target
        self._seen: set[str] = set(target)

    def add(self, text: str) -> None:
        if text not in self._seen:
            self._seen.add(text)
            self._items.append(text)


# -- MIME structure -------------------------------------------------------------------------


def _parse_mime(raw: bytes, defects: _Defects, *, fast: bool = True) -> Message:
    if fast:
        try:
            return _fast_entity(raw, 0)
        except (_NotSimple, RecursionError):
            pass  # the standard parser reads it and records its defects
    try:
        return email.message_from_bytes(raw, policy=_POLICY)
    except RecursionError:
        defects.add("MIME structure nested too deeply; the body is kept as raw text")
    except Exception as exc:  # any parser failure must keep the message
        defects.add(f"MIME parser failed ({type(exc).__name__}); the body is kept as raw text")
    try:
        return BytesParser(policy=_POLICY).parsebytes(raw, headersonly=True)
    except Exception:
        message = Message(policy=_POLICY)
        message.set_payload(raw.decode("ascii", "surrogateescape"))
        return message


class _NotSimple(Exception):
    """The fast path met something unusual: the standard parser must do the whole message."""


def _fast_entity(data: bytes, depth: int) -> Message:
    """The standard parser's result for well-formed MIME, built much faster.

    email.feedparser reads bodies line by line and compiles a regular expression for every
    multipart boundary (about 0.15 ms each); here the stdlib parser reads only header
    blocks and the bodies are cut with bytes.find. Anything the standard parser would flag
    as a defect, or treat specially, raises _NotSimple so that it parses the message
    itself: the two paths give the same tree (see the differential test).
    """
    if depth > _FAST_MAX_DEPTH:
        raise _NotSimple
    header_block, body = _split_header_block(data)
    message = _HEADER_PARSER.parsestr(_as_text(header_block), headersonly=True)
    if message.defects or message._payload:
        raise _NotSimple  # e.g. a line that is no header, or a lone CR as line break
    view = _view(message)
    maintype = view.content_type.partition("/")[0]
    if maintype == "multipart":
        if view.content_type == "multipart/digest":
            raise _NotSimple  # its parts default to message/rfc822
        encoding = str(message.get("content-transfer-encoding", "8bit")).lower()
        if encoding not in ("7bit", "8bit", "binary"):
            raise _NotSimple
        boundary = message.get_boundary()
        if not boundary:
            raise _NotSimple
        try:
            separator = ("--" + boundary).encode("ascii", "surrogateescape")
        except UnicodeError:
            raise _NotSimple from None
        _fast_multipart(message, body, separator, depth)
    elif maintype == "message":
        if view.content_type == "message/delivery-status":
            raise _NotSimple
        message.set_payload([_fast_entity(body, depth + 1)])
    else:
        message.set_payload(_as_text(body))
    return message


def _as_text(data: bytes) -> str:
    """Bytes as the email package holds them: 8-bit bytes become surrogate escapes."""
    if data.isascii():
        return data.decode("ascii")
    return data.decode("ascii", "surrogateescape")


def _split_header_block(data: bytes) -> tuple[bytes, bytes]:
    """(header lines, body) split at the first empty line."""
    if data.startswith(b"\n"):
        return b"", data[1:]
    if data.startswith(b"\r\n"):
        return b"", data[2:]
    match = _BLANK_LINE.search(data)
    if match is None:
        return data, b""
    return data[: match.start() + 1], data[match.end() :]


def _fast_multipart(message: Message, body: bytes, separator: bytes, depth: int) -> None:
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        raise _NotSimple  # a lone CR ends a line for the standard parser
    delimiters = _find_delimiters(body, separator)
    if not delimiters or delimiters[0][2] or not delimiters[-1][2]:
        raise _NotSimple  # no start boundary, or no closing boundary
    first_start = delimiters[0][0]
    if first_start:
        message.preamble = _strip_line_end(_as_text(body[:first_start]))
    children = []
    for (_, start, _), (end, _, _) in pairwise(delimiters):
        if start == end:
            raise _NotSimple  # repeated boundary lines: the standard parser skips them
        child = _fast_entity(body[start:end], depth + 1)
        _strip_trailing_line_end(child)
        children.append(child)
    message.set_payload(children)
    message.epilogue = _as_text(body[delimiters[-1][1] :])


def _find_delimiters(body: bytes, separator: bytes) -> list[tuple[int, int, bool]]:
    """(line start, line end, is closing) of each boundary line, up to the closing one."""
    found: list[tuple[int, int, bool]] = []
    size = len(body)
    position = 0
    while True:
        index = body.find(separator, position)
        if index < 0:
            return found
        position = index + 1
        if index and body[index - 1] != 0x0A:
            continue
        cursor = index + len(separator)
        closing = body.startswith(b"--", cursor)
        if closing:
            cursor += 2
        while cursor < size and body[cursor] in b" \t":
            cursor += 1
        if cursor == size:
            end = size
        elif body.startswith(b"\r\n", cursor):
            end = cursor + 2
        elif body[cursor] == 0x0A:
            end = cursor + 1
        else:
            continue  # the boundary is only the start of a longer line
        found.append((index, end, closing))
        if closing:
            return found
        position = end


def _strip_line_end(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def _strip_trailing_line_end(entity: Message) -> None:
    """RFC 2046: the line break before a boundary belongs to the boundary. The standard
    parser removes it from the last entity read, which for an embedded message is inside."""
    last = entity
    while isinstance(last._payload, list) and last.get_content_maintype() == "message":
        if not last._payload:
            return
        last = last._payload[-1]
    if last.get_content_maintype() == "multipart":
        if last.epilogue == "":
            last.epilogue = None
        elif last.epilogue is not None:
            last.epilogue = _strip_line_end(last.epilogue)
    elif isinstance(last._payload, str):
        last._payload = _strip_line_end(last._payload)


def _header_values(message: Message) -> dict[str, list[str]]:
    """Lower-case header name -> raw values (unfolded) in order."""
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        if isinstance(value, str):
            value = value.replace("\r", "").replace("\n", "")
            found.setdefault(name.strip().lower(), []).append(value)
    return found


class _PartView:
    """The content headers of one part, read in one pass (Message.get scans every header
    and lower-cases its name on each call)."""

    __slots__ = ("_params", "content_type", "disposition", "encoding", "part")

    def __init__(self, part: Message) -> None:
        raw_type = raw_disposition = raw_encoding = None
        for name, value in part.raw_items():
            key = name.lower()
            if key == "content-type":
                if raw_type is None:
                    raw_type = value
            elif key == "content-disposition":
                if raw_disposition is None:
                    raw_disposition = value
            elif key == "content-transfer-encoding" and raw_encoding is None:
                raw_encoding = value
        self.part = part
        if raw_type is None:
            self.content_type = part.get_default_type()
        else:
            content_type = _unfold(raw_type).partition(";")[0].strip().lower()
            self.content_type = content_type if content_type.count("/") == 1 else "text/plain"
        self.disposition = (
            _unfold(raw_disposition).partition(";")[0].strip().lower() or None
            if raw_disposition is not None
            else None
        )
        self.encoding = _unfold(raw_encoding or "").split(";", 1)[0].strip().lower()
        self._params = ((raw_type or "") + (raw_disposition or "")).lower()

    def may_have_param(self, name: str) -> bool:
        return name in self._params


def _view(part: Message) -> _PartView:
    """The part's _PartView, computed once (the fast path and the walk both need it)."""
    view = part.__dict__.get("_mailflow_view")
    if view is None:
        view = part.__dict__["_mailflow_view"] = _PartView(part)
    return view


def _unfold(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


@dataclass
class _Body:
    plain: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    embedded: list[Message] = field(default_factory=list)  # forwarded messages, in order

    def text(self, defects: _Defects | None = None) -> str:
        if self.plain.strip() or not self.html:
            return self.plain
        if len(self.html) > _HTML_TEXT_MAX:
            if defects is not None:
                defects.add("HTML body over 2 MB: only its start was converted to text")
            return html_to_text(self.html[:_HTML_TEXT_MAX])
        return html_to_text(self.html)


def _collect_parts(message: Message, defects: _Defects, *, keep_attachments: bool = True) -> _Body:
    """Walk the MIME tree (iteratively: nesting can be deep) and sort parts into body,
    HTML body and attachments."""
    body = _Body()
    have_plain = have_html = False
    stack: list[tuple[Message, bool]] = [(message, False)]
    while stack:
        part, in_report = stack.pop()
        view = _view(part)
        content_type = view.content_type
        for defect in part.defects:
            defects.add(_describe_defect(defect, content_type))

        payload = part._payload
        if isinstance(payload, list):
            if content_type.startswith("message/"):
                inner = _embedded_messages(view, payload, defects)
                if keep_attachments:
                    body.attachments.append(_embedded_attachment(view, inner, defects))
                if content_type in _EMBEDDED_MESSAGE_TYPES and not in_report and inner:
                    body.embedded.append(inner[0])
            else:
                report = in_report or content_type == "multipart/report"
                stack.extend((child, report) for child in reversed(payload))
            continue
        if content_type.startswith("multipart/"):
            defects.add(f"{content_type} without usable boundary; read as plain text")
            content_type = "text/plain"

        filename = _filename(view, defects)
        is_body_type = content_type in ("text/plain", "text/html")
        if view.disposition == "attachment" or filename or not is_body_type:
            if keep_attachments:
                data = _payload_bytes(view, filename or content_type, defects)
                body.attachments.append(ParsedAttachment(filename, content_type, data))
        elif content_type == "text/plain" and not have_plain:
            have_plain = True
            body.plain = _part_text(view, "text body", defects)
        elif content_type == "text/html" and not have_html:
            have_html = True
            body.html = _part_text(view, "HTML body", defects)
    return body


def _describe_defect(defect: object, content_type: str) -> str:
    doc = (type(defect).__doc__ or type(defect).__name__).strip().splitlines()[0]
    detail = " ".join(str(defect).split())[:200] if isinstance(defect, Exception) else ""
    text = doc if not detail or detail == doc else f"{doc} ({detail})"
    return f"MIME {content_type} part: {text}"


def _embedded_messages(view: _PartView, payload: list[object], defects: _Defects) -> list[Message]:
    messages = [item for item in payload if isinstance(item, Message)]
    encoding = view.encoding
    content_type = view.content_type
    if encoding in ("base64", "quoted-printable") and len(messages) == 1:
        # RFC 2046 forbids encoding a message/rfc822 part, yet some clients do: the parser
        # then saw the encoded text as a body; decode it and parse the real message.
        defects.add(f"{content_type} part is {encoding}-encoded; decoded it")
        encoded = _message_bytes(messages[0], defects).lstrip()
        if encoding == "base64":
            data = _decode_base64(encoded, content_type, defects)
        else:
            data = binascii.a2b_qp(encoded)
        return [_parse_mime(data, defects)]
    return messages


def _embedded_attachment(
    view: _PartView, inner: list[Message], defects: _Defects
) -> ParsedAttachment:
    content_type = view.content_type
    filename = _filename(view, defects)
    if not filename and content_type in _EMBEDDED_MESSAGE_TYPES and inner:
        subject = _header_text(_first_header(inner[0], "subject"), defects)
        stem = _FILENAME_UNSAFE.sub("_", subject).strip(" ._")[: _FILENAME_MAX - 4]
        filename = f"{stem or 'mensagem'}.eml"
    payload = b"".join(_message_bytes(item, defects) for item in inner)
    return ParsedAttachment(filename, content_type, payload)


def _message_bytes(message: Message, defects: _Defects) -> bytes:
    """The bytes of an embedded message, with its original header lines."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, policy=_GENERATOR_POLICY).flatten(message)
    except Exception as exc:
        defects.add(f"embedded message could not be re-serialised ({type(exc).__name__})")
        return b""
    return buffer.getvalue()


def _embedded_forward(message: Message, defects: _Defects) -> ForwardInfo:
    name, address = _sender(_first_header(message, "from"), defects)
    return ForwardInfo(
        from_name=name,
        from_address=address,
        subject=_header_text(_first_header(message, "subject"), defects),
        date=parse_forward_date(_unfolded_text(_first_header(message, "date"))),
    )


def _with_attached_forward(
    note: str, forward: ForwardInfo, message: Message, text: str, defects: _Defects
) -> str:
    """The note, then the attached message under a forward header block as Gmail writes
    one (so it reads as any inline forward does)."""
    if not text.strip():
        return note
    if not note.strip():  # nothing but the attachment: its text is the whole message
        return text
    sender = (
        f"{forward.from_name} <{forward.from_address}>"
        if forward.from_name
        else forward.from_address
    )
    header = [
        "---------- Mensagem encaminhada ---------",
        f"De: {sender}",
        f"Data: {_unfolded_text(_first_header(message, 'date'))}",
        f"Assunto: {forward.subject}",
        f"Para: {_header_text(_first_header(message, 'to'), defects)}",
    ]
    return note.rstrip() + "\n\n" + "\n".join(header) + "\n\n" + text


def _first_header(message: Message, name: str) -> str | None:
    values = _header_values(message).get(name)
    return values[0] if values else None


# -- payloads and text ----------------------------------------------------------------------


def _payload_bytes(view: _PartView, label: str, defects: _Defects) -> bytes:
    """The decoded content of a leaf part (base64 / quoted-printable / 8bit)."""
    # get_payload() would re-decode 8-bit text lossily; the raw text keeps the bytes
    # (the parser stored them as surrogate escapes).
    part = view.part
    payload = part._payload
    if not isinstance(payload, str):
        return b""
    try:
        data = payload.encode("utf-8", "surrogateescape")
    except UnicodeError:
        data = payload.encode("utf-8", "replace")
    encoding = view.encoding
    if encoding == "base64":
        return _decode_base64(data, label, defects)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
        try:
            decoded = part.get_payload(decode=True)
        except Exception:
            decoded = None
        if isinstance(decoded, bytes):
            return decoded
        defects.add(f"{label}: broken uuencode, kept undecoded")
    return data


def _decode_base64(data: bytes, label: str, defects: _Defects) -> bytes:
    """Base64 that keeps whatever decodes from a damaged payload."""
    if data.translate(None, _B64_EXPECTED):
        defects.add(f"{label}: base64 with invalid characters (ignored)")
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        pass
    letters = data.translate(None, _B64_NOT_ALPHABET)
    leftover = len(letters) % 4
    if leftover == 1:
        letters = letters[:-1]
    elif leftover:
        letters += b"=" * (4 - leftover)
    defects.add(f"{label}: broken base64 (bad length or padding), decoded what was readable")
    try:
        return binascii.a2b_base64(letters)
    except binascii.Error:
        return b""


def _part_text(view: _PartView, label: str, defects: _Defects) -> str:
    data = _payload_bytes(view, label, defects)
    charset = None
    if view.may_have_param("charset"):
        try:
            charset = view.part.get_content_charset()
        except Exception:
            charset = None
    text = _decode_bytes(data, charset, label, defects)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@lru_cache(maxsize=256)
def _codec(charset: str) -> str | None:
    """Python codec name for a MIME charset label, or None when there is no usable one."""
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    if name.replace("_", "-") in _REFUSED_CODECS:
        return None
    try:
        b"".decode(name)  # bytes-to-bytes codecs (base64, zlib, rot13...) are refused here
    except LookupError:
        return None
    return name


def _decode_bytes(data: bytes, charset: str | None, label: str, defects: _Defects) -> str:
    """Text in the declared charset, else UTF-8, else windows-1252. Never raises."""
    if data.isascii() and not (charset and charset.lower().startswith(_NON_ASCII_SAFE)):
        return data.decode("ascii")
    codec = _codec(charset) if charset else None
    if charset and codec is None:
        defects.add(f"{label}: unknown charset {charset!r}; read as UTF-8 / windows-1252")
    elif codec in _WESTERN_CODECS:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            defects.add(f"{label}: declared {charset} but is UTF-8")
            return text
        if codec in _AS_CP1252:
            if codec == "ascii":
                defects.add(f"{label}: declared us-ascii but has 8-bit bytes; read as windows-1252")
            return _decode_cp1252(data)
        return data.decode(codec, "replace")
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeError:
            defects.add(f"{label}: bytes are not valid {charset}; read as UTF-8 / windows-1252")
        except Exception:  # a codec that misbehaves on odd input
            defects.add(f"{label}: charset {charset} failed; read as UTF-8 / windows-1252")
    elif not charset:
        defects.add(f"{label}: 8-bit text without a charset; read as UTF-8 / windows-1252")
    return _decode_unlabelled(data)


def _decode_unlabelled(data: bytes) -> str:
    """UTF-8 where the bytes are UTF-8, windows-1252 for the bytes in between."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape").translate(_SURROGATE_TO_CP1252)


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("cp1252", "surrogateescape").translate(_SURROGATE_TO_LATIN1)


# -- headers --------------------------------------------------------------------------------


def _unfolded_text(value: str | None) -> str:
    """A raw header value as text: undeclared 8-bit bytes decoded, no encoded-words yet."""
    if not value:
        return ""
    if not value.isascii():
        try:
            value = _decode_unlabelled(value.encode("utf-8", "surrogateescape"))
        except UnicodeError:
            value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\t", " ").strip()


def _header_text(value: str | None, defects: _Defects) -> str:
    text = _unfolded_text(value)
    if "=?" in text:
        text = _decode_encoded_words(text, defects)
    return text.strip()


def _decode_encoded_words(text: str, defects: _Defects) -> str:
    """RFC 2047, tolerant: adjacent words in one charset are joined before decoding (a
    character may be split between them); unknown charsets and bad base64 do not raise."""
    pieces: list[str] = []
    pending_charset = ""
    pending = bytearray()
    position = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset:
            pieces.append(_decode_bytes(bytes(pending), pending_charset, "header", defects))
            pending.clear()
            pending_charset = ""

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if not (pending_charset and not between.strip()):
            flush()
            pieces.append(between)
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix
        encoded = match.group(3)
        if match.group(2) in "Bb":
            data = _decode_base64(encoded.encode("ascii", "ignore"), "header", defects)
        else:
            data = binascii.a2b_qp(encoded.encode("utf-8", "replace"), header=True)
        if charset != pending_charset:
            flush()
            pending_charset = charset
        pending.extend(data)
        position = match.end()
    flush()
    pieces.append(text[position:])
    return "".join(pieces)


def _message_id(value: str | None) -> str:
    text = _unfolded_text(value)
    match = _ANGLE_ID.search(text)
    found = "".join((match.group(1) if match else text).split())
    return found if len(found) <= _MESSAGE_ID_MAX else ""


def _message_ids(value: str | None) -> list[str]:
    text = _unfolded_text(value)
    found = _ANGLE_ID.findall(text) or text.replace(",", " ").split()
    ids = ("".join(item.split()) for item in found)
    return [item for item in ids if item and len(item) <= _MESSAGE_ID_MAX]


def _head(value: str | None, length: int) -> str | None:
    """The start of a header value: In-Reply-To needs only its first id."""
    if value is None or len(value) <= length:
        return value
    return value[:length]


def _last_references(value: str | None) -> list[str]:
    """The last REFERENCES_MAX ids of a References header, read from its end only."""
    if not value:
        return []
    # Enough characters for REFERENCES_MAX ids of the longest accepted length; an id cut
    # at the start of this window is dropped below (it has no opening bracket, or is one
    # more than needed).
    window = (REFERENCES_MAX + 1) * (_MESSAGE_ID_MAX + 3)
    cut = len(value) > window
    ids = _message_ids(value[-window:] if cut else value)
    if cut and ids:
        ids = ids[1:]  # may be the tail of an id cut in two
    return ids[-REFERENCES_MAX:]


def _header_date(value: str | None, defects: _Defects) -> datetime | None:
    text = _unfolded_text(value)
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        defects.add(f"unreadable Date header: {text[:80]!r}")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        in_utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not 1900 <= in_utc.year <= 9998:
        defects.add(f"Date header out of range: {text[:80]!r}")
        return None
    return moment


def _looks_like_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and not any(c in address for c in " \t<>,;")


def _parsed_addresses(values: Iterable[str]) -> list[tuple[str, str]] | None:
    """(name, address) pairs, or None when the header is not a clean address list."""
    texts = [_unfolded_text(value) for value in values]
    pairs = _simple_addresses(texts)
    if pairs is None:
        try:
            pairs = getaddresses(texts)
        except Exception:  # the legacy parser is robust, but not proven so
            return None
    pairs = [(name, address) for name, address in pairs if name or address]
    if not pairs or not all(_looks_like_address(address) for _, address in pairs):
        return None
    return pairs


def _simple_addresses(texts: list[str]) -> list[tuple[str, str]] | None:
    """The common "addr" / "Name <addr>" / "\"Name\" <addr>" lists without the (slow)
    general RFC 5322 parser; None for anything else (comments, escapes, groups)."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        if "(" in text or "\\" in text or text.count('"') % 2:
            return None
        for item in _ADDRESS_ITEM.findall(text):
            if not item.strip():
                continue
            match = _NAMED_ADDRESS.fullmatch(item) or _BARE_ADDRESS.fullmatch(item)
            if match is None:
                return None
            name = match.group("quoted") or match.group("name") or ""
            pairs.append((" ".join(name.split()), match.group("address")))
    return pairs


def _display_name(name: str, defects: _Defects) -> str:
    if "=?" in name:
        name = _decode_encoded_words(name, defects)
    return " ".join(name.split()).strip("\"' ")


def _sender(value: str | None, defects: _Defects) -> tuple[str, str]:
    """(name, lower-cased address); the whole decoded header as name when unparseable."""
    if not value or not value.strip():
        return "", ""
    pairs = _parsed_addresses([value])
    if pairs is None:
        text = _header_text(value, defects)
        name, address = split_sender(text)
        if address and "<" in text:  # "Name <addr" and similar near-misses
            return name, address
        defects.add(f"From header has no usable address: {text[:80]!r}")
        return text, ""
    name, address = pairs[0]
    return _display_name(name, defects), address.lower()


def _address_list(values: list[str] | None, defects: _Defects) -> str:
    """ "Name <addr>, addr" for To/Cc/Reply-To; the decoded header text when malformed."""
    values = [value for value in values or () if isinstance(value, str) and value.strip()]
    if not values:
        return ""
    pairs = _parsed_addresses(values)
    if pairs is None:
        return ", ".join(_header_text(value, defects) for value in values)
    formatted = []
    for name, address in pairs:
        name = _display_name(name, defects)
        if name and any(c in name for c in ',;<>"@'):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        formatted.append(f"{name} <{address}>" if name else address)
    return ", ".join(formatted)


def _filename(view: _PartView, defects: _Defects) -> str:
    if not view.may_have_param("name"):
        return ""
    part = view.part
    try:
        value = part.get_param("filename", None, "content-disposition")
        if value is None:
            value = part.get_param("name", None, "content-type")
    except Exception:
        return ""
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text as Latin-1 bytes)
        charset, _language, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeError:
            name = _unfolded_text(str(text))
        else:
            name = _decode_bytes(data, charset or None, "attachment name", defects)
    else:
        name = _unfolded_text(str(value))
    if "=?" in name:  # an encoded-word inside quotes: not standard, but what Outlook sends
        name = _decode_encoded_words(name, defects)
    return _CONTROL.sub(" ", name).strip()[:_FILENAME_MAX]


# -- output hygiene -------------------------------------------------------------------------


def _clean(text: str) -> str:
    """No NUL and no lone surrogate: PostgreSQL text columns accept neither."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def _sanitised(result: ParsedEmail) -> ParsedEmail:
    for name in _TEXT_FIELDS:
        setattr(result, name, _clean(getattr(result, name)))
    for attachment in result.attachments:
        attachment.filename = _clean(attachment.filename)
        attachment.content_type = _clean(attachment.content_type)
    result.defects[:] = [_clean(defect) for defect in result.defects]
    return result


_TEXT_FIELDS = tuple(item.name for item in fields(ParsedEmail) if item.type in ("str", str))
