"""MIME parsing of one raw message into the fields mailflow stores.

Pure Python (no Django imports), so it can be unit-tested and benchmarked alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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


def parse_email(raw: bytes) -> ParsedEmail:
    raise NotImplementedError
