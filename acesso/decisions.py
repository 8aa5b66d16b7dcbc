"""The coordinator's decision by email: when an answer counts, and what it says.

An answer decides only when every check holds; the first that fails is the note a person
reads in the admin, where the email waits (needs review) with its text:

1. From: one From header with one address, the coordinator's (MAILFLOW_COORDINATOR_EMAIL).
2. A direct reply: one In-Reply-To header naming exactly one Message-ID, the one of the
   authorisation request we sent for this access request. References does not count: a
   forger can list thousands of guesses there, and link_replies joins a case by it.
3. The token: that Message-ID carries our HMAC tag for this request and purpose
   (mailflow/tokens.py), checked in constant time.
4. Authentication, when MAILFLOW_AUTHSERV_ID is set: the topmost Authentication-Results
   header our server wrote says dkim=pass or dmarc=pass for the coordinator's domain
   (mailflow/authresults.py says why only that one).
5. The answer: the first non-quoted, non-empty line is "Autorizado"/"Autorizada" with at
   most "." or "!" after it, or "Negado: <reason>"/"Negada: <reason>" (accents and case
   folded). "Autorizado?", "Autorizado, mas..." or "Autorizada somente após ..." decide
   nothing. Lines after the first (a signature) do not matter; a denial's reason is the
   rest of its first paragraph.

Headers are read from the stored raw message, not from the parsed fields (which keep only
the first In-Reply-To id and the first From).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from email.utils import getaddresses

from django.conf import settings
from django.utils.translation import gettext as _

from mailflow import authresults, tokens

APPROVE = "approve"
DENY = "deny"

_QUOTE_HEADER = re.compile(r"^\s*(em .+ escreveu:|on .+ wrote:)\s*$", re.I)
# on the folded first line (see fold): nothing after the word but "." or "!"
_AUTHORISED = re.compile(r"autorizad[oa][\s.!]*")
# "Negado: <reason>": the word before the first separator, folded, is "negado"/"negada"
_DENIED = re.compile(r"(?P<word>[^:\-\u2013\u2014]*)[:\-\u2013\u2014](?P<reason>.*)")
_ANGLE_IDS = re.compile(r"<([^<>]*)>")
NOTE_LINE_MAX = 200


@dataclass(frozen=True)
class Verdict:
    decision: str = ""  # APPROVE, DENY, or "" (it waits for a person)
    reason: str = ""  # a denial's reason, as the coordinator wrote it
    note: str = ""  # why it waits, for the person who decides instead


def fold(text: str) -> str:
    """Accents and case folded: "AUTORIZADA" and "Autorizada" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def answer_paragraph(body: str) -> list[str]:
    """The first paragraph written by the coordinator: from the first non-empty line that
    is neither quoted ("> ...") nor a quote header ("Em ..., X escreveu:"), to the next
    empty or quoted line, or the signature's "-- "."""
    lines: list[str] = []
    for line in (body or "").splitlines():
        quoted = line.lstrip().startswith(">") or bool(_QUOTE_HEADER.match(line))
        if not lines:
            if line.strip() and not quoted:
                lines.append(line.strip())
            continue
        if not line.strip() or quoted or line.strip() == "--":  # "-- ": a signature
            break
        lines.append(line.strip())
    return lines


def read_answer(body: str) -> Verdict:
    """What the answer says, by its first line alone (step 5 above)."""
    paragraph = answer_paragraph(body)
    if not paragraph:
        return Verdict(note=_("not counted as a decision: there is no answer above the quote"))
    first = paragraph[0]
    if _AUTHORISED.fullmatch(fold(first)):
        return Verdict(decision=APPROVE)
    denied = _DENIED.fullmatch(first)
    if denied and fold(denied.group("word")).strip() in ("negado", "negada"):
        reason = "\n".join([denied.group("reason").strip(), *paragraph[1:]]).strip()
        if reason:
            return Verdict(decision=DENY, reason=reason)
    shown = first if len(first) <= NOTE_LINE_MAX else first[:NOTE_LINE_MAX] + "…"
    return Verdict(
        note=_(
            "not counted as a decision: its first line, “%(line)s”, is neither “Autorizado” "
            "nor “Negado: <reason>”"
        )
        % {"line": shown}
    )


def _senders(raw: bytes) -> list[str]:
    """The addresses of every From header (lower case): one, for an answer that counts."""
    values = authresults.header_values(raw, "From")
    return [a.lower() for _n, a in getaddresses(values) if a]


def _replied_to(raw: bytes) -> str:
    """The one Message-ID the only In-Reply-To header names; "" for none or several."""
    values = authresults.header_values(raw, "In-Reply-To")
    if len(values) != 1:
        return ""
    ids = _ANGLE_IDS.findall(values[0])
    if len(ids) != 1 or _ANGLE_IDS.sub("", values[0]).strip():
        return ""
    return ids[0].strip()


def read(*, email, asked_message_id: str, signed_for: str) -> Verdict:
    """The coordinator's answer `email` to the authorisation request whose Message-ID is
    `asked_message_id` (signed for `signed_for`): a decision, or why it waits."""
    raw = bytes(email.raw or b"")
    coordinator = (settings.MAILFLOW_COORDINATOR_EMAIL or "").strip().lower()
    senders = _senders(raw)
    if senders != [coordinator] or email.from_address.lower() != coordinator or not coordinator:
        return Verdict(
            note=_(
                "not counted as a decision: it did not come from the coordinator's address "
                "(sender: %(address)s)"
            )
            % {"address": ", ".join(senders) or email.from_address or "?"}
        )
    replied = _replied_to(raw)
    asked_nonce, _asked_tag = tokens.split(asked_message_id)
    replied_nonce, _replied_tag = tokens.split(replied)
    if not replied or not asked_nonce or replied_nonce != asked_nonce:
        return Verdict(
            note=_(
                "not counted as a decision: it is not a direct reply to the authorisation "
                "request sent to the coordinator"
            )
        )
    if not tokens.key_configured():
        return Verdict(
            note=_(
                "not counted as a decision: mailflow has no decision key "
                "(MAILFLOW_DECISION_KEY) to verify it"
            )
        )
    same = hmac.compare_digest(
        replied.encode("utf-8", "replace"), asked_message_id.encode("utf-8", "replace")
    )
    if not same or not tokens.verifies(replied, signed_for=signed_for):
        return Verdict(
            note=_(
                "not counted as a decision: the code of the authorisation request in the "
                "reply is missing or invalid"
            )
        )
    if settings.MAILFLOW_AUTHSERV_ID:
        domain = coordinator.rpartition("@")[2]
        found = authresults.ours(raw, settings.MAILFLOW_AUTHSERV_ID)
        if not authresults.passes_for(found, domain):
            return Verdict(
                note=_(
                    "not counted as a decision: the mail server %(server)s did not confirm "
                    "that it came from %(domain)s (no dkim=pass or dmarc=pass)"
                )
                % {"server": settings.MAILFLOW_AUTHSERV_ID, "domain": domain}
            )
    return read_answer(email.body_text)
