"""What the classifier reads of an email, normalised (pure Python, no Django)."""

from __future__ import annotations

import re
import unicodedata

# "Re:", "RES:", "Fwd:", "ENC:", "Enc:", "FW:", "TR:", "Res.:" ... repeated or nested.
PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|res|resp|fw|fwd|enc|tr|wg|aw|sv|rv)\s*(?:\[\d+\])?\s*\.?\s*:\s*)+", re.I
)
BODY_CHARS = 1000
# Character n-grams (robust to typos and missing accents) look at the subjects and the
# first lines only: they cost far more per character than words.
CHAR_CHARS = 300
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
    """One string per email: the subject, the original subject of a forward, the start of
    the text without quoted lines, and the subjects again (they are the densest signal, so
    they weigh twice for the word features; the character features read the start only)."""
    subject = strip_prefixes(subject)
    original = strip_prefixes(original_subject) if forwarded else ""
    text = QUOTED_RE.sub(" ", body or "")[:BODY_CHARS]
    return " \n ".join(part for part in (subject, original, text, subject, original) if part)


def normalise(text: str) -> str:
    """The word vectorizer's preprocessor (module level, so a trained pipeline pickles)."""
    return fold(text)


def normalise_start(text: str) -> str:
    """The character vectorizer's preprocessor: the start of the document only."""
    return fold(text[: CHAR_CHARS * 2])[:CHAR_CHARS]
