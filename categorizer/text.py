"""What the classifier reads of an email, normalised (pure Python, no Django)."""

from __future__ import annotations

import re
import unicodedata

from emails.forwards import forward_span, reply_start

# "Re:", "RES:", "Fwd:", "ENC:", "Enc:", "FW:", "TR:", "Res.:" ... repeated or nested.
PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|res|resp|fw|fwd|enc|tr|wg|aw|sv|rv)\s*(?:\[\d+\])?\s*\.?\s*:\s*)+", re.I
)
# The first prefix says what the message is: "Re: Fwd: x" is a reply, "Fwd: Re: x" a forward.
REPLY_PREFIX_RE = re.compile(r"^\s*(?:re|res|resp|aw|sv)\s*(?:\[\d+\])?\s*\.?\s*:", re.I)
# What the word features read of the text. A request may sit in the middle of a long
# email, below a list of other matters.
BODY_CHARS = 2000
# A passage is a paragraph or a list item ("1)", "a)", "- ", "• ") of this many characters
# or more: shorter ones (greetings, signatures, one-line questions) say too little alone.
PASSAGE_CHARS = 150
PASSAGE_RE = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:\d{1,2}[).]|[a-e]\)|[-•*][ \t]))")
# A forward is read from the forwarded message on; the cover note above it says little
# ("Segue.", "Autorizo.") and follows it in the document, up to this much.
COVER_CHARS = 600
# Character n-grams (robust to typos and missing accents) look at the subjects and the
# first lines only: they cost far more per character than words.
CHAR_CHARS = 300
SPACES_RE = re.compile(r"\s+")
# The accents NFKD splits off Latin letters (one C-level pass, not a Python loop per
# character: folding was a third of the word features' time).
COMBINING_RE = re.compile(r"[\u0300-\u036f]+")
# Quoted lines of a reply carry the other side's words, not this request's.
QUOTED_RE = re.compile(r"^[ \t]*>.*$", re.M)
QUOTE_PREFIX_RE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
# Outlook quotes the message it answers under a header block ("De: ... / Enviado: ... /
# Assunto: ..."), not under an attribution line, sometimes after a separator line.
SEPARATOR_RE = re.compile(
    r"^[ \t>]*-{2,}[ \t]*(?:original message|mensagem original)[ \t]*-{2,}[ \t]*$", re.I | re.M
)
HEADER_RE = re.compile(
    r"^[ \t>]*\**[ \t]*(de|from|enviad[oa](?: em)?|sent|data|date|para|to|cc|assunto|subject)"
    r"[ \t]*\**[ \t]*:",
    re.I,
)
FROM_LINE_RE = re.compile(r"^[ \t>]*\**[ \t]*(?:de|from)[ \t]*\**[ \t]*:", re.I | re.M)
HEADER_KEYS = {
    "de": "from",
    "from": "from",
    "enviado": "date",
    "enviada": "date",
    "enviado em": "date",
    "enviada em": "date",
    "sent": "date",
    "data": "date",
    "date": "date",
    "para": "to",
    "to": "to",
    "cc": "to",
    "assunto": "subject",
    "subject": "subject",
}


def strip_prefixes(subject: str) -> str:
    return PREFIX_RE.sub("", subject or "").strip()


def is_reply_subject(subject: str) -> bool:
    """True for "Re: ...", "RES: ...", "Res.: ..." (a reply's subject repeats the thread's)."""
    return bool(REPLY_PREFIX_RE.match(subject or ""))


def fold(text: str) -> str:
    """Lower case, accents removed ("Solicitação" -> "solicitacao"), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return SPACES_RE.sub(" ", COMBINING_RE.sub("", decomposed)).strip()


def history_start(text: str) -> int:
    """Where the quoted history of a reply begins: the attribution line ("Em ..., Fulano
    escreveu:", "On ... wrote:") or Outlook's header block of the message answered; the
    text's length when there is none."""
    start = reply_start(text)
    separator = SEPARATOR_RE.search(text, 0, start)
    if separator is not None:
        start = separator.start()
    for match in FROM_LINE_RE.finditer(text, 0, start):
        if _is_header_block(text[match.start() : match.start() + 2000].split("\n", 12)[:12]):
            return match.start()
    return start


def _is_header_block(lines: list[str]) -> bool:
    """ "De:" then "Enviado:" (Outlook's pair), or "De:", "Assunto:" and a date or an
    addressee, on consecutive lines (blank lines between them do not count)."""
    keys: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        header = HEADER_RE.match(line)
        if header is None:
            break
        label = " ".join(header.group(1).lower().split())
        keys.append(HEADER_KEYS[label])
        if len(keys) == 2 and label.startswith(("enviad", "sent")):
            return True
    return "subject" in keys and bool({"date", "to"} & set(keys))


# An attribution line of a quoted history: "Em seg., 8 de jun. ..., Fulano escreveu:".
_ATTRIBUTION_LINE_RE = re.compile(
    r"^.{0,200}?(?:escreveu|wrote|a écrit|escribió|schrieb)[ \t]*:[ \t]*$", re.I | re.M
)


def new_text(body: str) -> str:
    """A reply's own words: the text above its quoted history, without quoted lines; and,
    under a history quoted with "> ", the lines written between the quoted ones (answers
    in the middle of the text: "respondo no meio do texto")."""
    text = body[: BODY_CHARS * 3]
    start = history_start(text)
    own = QUOTED_RE.sub(" ", text[:start])
    history = text[start:]
    lines = [line for line in history.split("\n")[1:8] if line.strip()]
    if not lines or not lines[0].lstrip().startswith(">"):
        return own[: BODY_CHARS + 500]  # no history, or Outlook's: the message answered
    between = QUOTED_RE.sub(" ", _ATTRIBUTION_LINE_RE.sub(" ", history))
    return f"{own}\n{between}"[: BODY_CHARS + 500]


def forwarded_text(body: str, subject: str) -> str:
    """A forward's forwarded message (unquoted: Apple Mail and others quote it whole),
    then the cover note; the plain text when there is no forward block in it."""
    span = forward_span(body[: BODY_CHARS * 4], subject)
    if span is None:
        return QUOTED_RE.sub(" ", body[: BODY_CHARS * 4])
    cover = QUOTED_RE.sub(" ", body[: span[0]]).strip()[:COVER_CHARS]
    inner = QUOTE_PREFIX_RE.sub("", body[span[1] : span[1] + BODY_CHARS * 2])
    return inner[: BODY_CHARS - len(cover)] + "\n" + cover


def _read(
    subject: str, body: str, original_subject: str, forwarded: bool, in_thread: bool
) -> tuple[str, str, str]:
    """(subject, original subject, text) as the classifier reads them (see document)."""
    body = (body or "")[: BODY_CHARS * 6].replace("\r\n", "\n")
    original = strip_prefixes(original_subject) if forwarded else ""
    if forwarded:
        text = forwarded_text(body, subject)
    elif in_thread or is_reply_subject(subject):
        text = new_text(body)
        if is_reply_subject(subject):
            subject = ""
    else:
        text = QUOTED_RE.sub(" ", body[: BODY_CHARS * 4])
    subject = strip_prefixes(subject)
    if fold(original) == fold(subject):
        original = ""
    return subject, original, text[:BODY_CHARS]


def document(
    subject: str,
    body: str,
    original_subject: str = "",
    forwarded: bool = False,
    in_thread: bool = False,
) -> str:
    """One string per email: the subject, the original subject of a forward, the text,
    and the subjects again (they are the densest signal, so they weigh twice for the word
    features; the character features read the start only).

    The text is the body without quoted lines, except for a forward, read from the
    forwarded message on, and a reply (``in_thread``: it has In-Reply-To or References, or
    a "Re:" subject), judged on its new text alone: what it quotes is another message,
    and so is the subject when it repeats the thread's ("Re: ...")."""
    subject, original, text = _read(subject, body, original_subject, forwarded, in_thread)
    return " \n ".join(part for part in (subject, original, text, subject, original) if part)


def passages(
    subject: str,
    body: str,
    original_subject: str = "",
    forwarded: bool = False,
    in_thread: bool = False,
) -> list[str]:
    """The paragraphs and list items of PASSAGE_CHARS or more of an email's text, each
    after the subject: a request may be one item of a long email about other things,
    where the whole reads as "outro". A forward has none: it is about what it forwards."""
    if forwarded:
        return []
    subject, _original, text = _read(subject, body, original_subject, forwarded, in_thread)
    parts = [p.strip() for p in PASSAGE_RE.split(text) if p.strip()]
    if len(parts) < 2:
        return []
    return [f"{subject} \n {p}" if subject else p for p in parts if len(p) >= PASSAGE_CHARS]


def normalise(text: str) -> str:
    """The word vectorizer's preprocessor (module level, so a trained pipeline pickles)."""
    return fold(text)


def normalise_start(text: str) -> str:
    """The character vectorizer's preprocessor: the start of the document only."""
    return fold(text[: CHAR_CHARS * 2])[:CHAR_CHARS]
