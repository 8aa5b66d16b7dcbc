"""What the classifier reads of an email, normalised (pure Python, no Django)."""

from __future__ import annotations

import re
import unicodedata

# "Re:", "RES:", "Fwd:", "ENC:", "Enc:", "FW:", "TR:", "Res.:" ... repeated or nested.
PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|res|resp|fw|fwd|enc|tr|wg|aw|sv|rv)\s*(?:\[\d+\])?\s*[:.]\s*)+", re.I
)
BODY_CHARS = 1500
SPACES_RE = re.compile(r"\s+")
# Quoted lines of a reply carry the other side's words, not this request's.
QUOTED_RE = re.compile(r"^\s*>.*$", re.M)


def strip_prefixes(subject: str) -> str:
    return PREFIX_RE.sub("", subject or "").strip()


def fold(text: str) -> str:
    """Lower case, accents removed ("Solicitação" -> "solicitacao"), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return SPACES_RE.sub(" ", ascii_text).strip()


def document(
    subject: str,
    body: str,
    original_subject: str = "",
    forwarded: bool = False,
) -> str:
    """One string per email: the subject (twice: it is the densest signal), the original
    subject of a forward, and the start of the text without quoted lines."""
    subject = strip_prefixes(subject)
    original = strip_prefixes(original_subject) if forwarded else ""
    text = QUOTED_RE.sub(" ", body or "")[:BODY_CHARS]
    return " \n ".join(part for part in (subject, subject, original, original, text) if part)


def normalise(text: str) -> str:
    """The vectorizers' preprocessor (module level, so a trained pipeline pickles)."""
    return fold(text)
