"""Reading Authentication-Results headers (RFC 8601) from a stored raw message.

Which header to believe: each mail server on the way prepends its own headers, so the
topmost ones are the latest. The server that receives the secretariat's mail from the
internet (its authserv-id is MAILFLOW_AUTHSERV_ID) adds one Authentication-Results header
and, as RFC 8601 section 5 requires, deletes incoming ones that claim its id. So:

- headers with another authserv-id are never believed, wherever they are: anyone on the
  way, the sender included, can write them (RFC 8601 section 7.1);
- of the headers with our id, only the topmost counts: one further down came with the
  message (written by the sender or by a server before ours) and would have been deleted
  by a well configured server; believing it would let a sender write its own "dkim=pass";
- a message that did not pass through that server (no header with our id) is not
  authenticated.

The parser is strict: comments in parentheses (nested, with quoted pairs) are dropped,
quoted strings are kept whole, results are separated by ';', and anything it cannot read
is simply not a pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

_HEADER_END = re.compile(rb"\r?\n\r?\n")
# the authserv-id of a header the lexer cannot read: after leading comments, up to ';'
_LEADING_ID = re.compile(r'\s*(?:\([^()]*\)\s*)*"?([^\s;"()]+)')


@dataclass
class Result:
    method: str  # "dkim", "dmarc", "spf" (lower case, without a version)
    result: str  # "pass", "fail", ... (lower case)
    properties: dict[str, str] = field(default_factory=dict)  # "header.d" -> "ifes.edu.br"


@dataclass
class AuthResults:
    authserv_id: str
    results: list[Result] = field(default_factory=list)


def header_values(raw: bytes, name: str) -> list[str]:
    """Every value of a header in the raw message's header section, top first, unfolded."""
    raw = bytes(raw or b"")
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw
    message = BytesHeaderParser(policy=compat32).parsebytes(head + b"\r\n\r\n")
    return [re.sub(r"\r?\n[ \t]", " ", str(v)) for v in message.get_all(name, [])]


def _tokens(value: str) -> list[str] | None:
    """The header's lexical tokens: words, quoted strings (as '"' + text), ';' and '=';
    comments dropped. None when unreadable (an unbalanced comment or quote)."""
    tokens: list[str] = []
    word: list[str] = []
    i, n = 0, len(value)

    def flush() -> None:
        if word:
            tokens.append("".join(word))
            word.clear()

    while i < n:
        ch = value[i]
        if ch == "(":
            flush()
            depth = 1
            i += 1
            while i < n and depth:
                if value[i] == "\\":
                    i += 1
                elif value[i] == "(":
                    depth += 1
                elif value[i] == ")":
                    depth -= 1
                i += 1
            if depth:
                return None
            continue
        if ch == '"':
            flush()
            text = []
            i += 1
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                text.append(value[i])
                i += 1
            if i >= n:
                return None
            tokens.append('"' + "".join(text))
            i += 1
            continue
        if ch == ")":
            return None
        if ch in ";=":
            flush()
            tokens.append(ch)
        elif ch.isspace():
            flush()
        else:
            word.append(ch)
        i += 1
    flush()
    return tokens


def _text(token: str) -> str:
    return token[1:] if token.startswith('"') else token


def parse(value: str) -> AuthResults | None:
    """One Authentication-Results header value; None when it cannot be read."""
    tokens = _tokens(value)
    if not tokens or tokens[0] in (";", "="):
        return None
    parsed = AuthResults(authserv_id=_text(tokens[0]).lower())
    rest = tokens[1:]
    if rest and rest[0] not in (";", "=") and rest[0].isdigit():
        rest = rest[1:]  # authres-version
    if rest and rest[0] != ";":
        return None
    # each resinfo: method = result [reason = value] [ptype.property = value]...
    groups: list[list[str]] = []
    for item in rest:
        if item == ";":
            groups.append([])
        else:
            groups[-1].append(item)
    for group in groups:
        if group == ["none"] and len(groups) == 1:
            break
        pairs = []
        if len(group) % 3:
            return None
        for k in range(0, len(group), 3):
            name, eq, val = group[k : k + 3]
            if eq != "=" or name in (";", "=") or name.startswith('"') or val in (";", "="):
                return None
            pairs.append((name.lower(), _text(val)))
        method, outcome = pairs[0]
        result = Result(method=method.partition("/")[0], result=outcome.lower())
        for name, val in pairs[1:]:
            if name != "reason":
                result.properties[name] = val
        parsed.results.append(result)
    return parsed


def ours(raw: bytes, authserv_id: str) -> AuthResults | None:
    """The topmost Authentication-Results header written by our server (see the module
    docstring); None when there is none, or when it cannot be read."""
    wanted = authserv_id.strip().lower()
    for value in header_values(raw, "Authentication-Results"):
        tokens = _tokens(value)
        if tokens is None:  # unreadable further on: is its id ours, as far as it goes?
            start = _LEADING_ID.match(value)
            first = start.group(1) if start else ""
        else:
            first = _text(tokens[0]) if tokens else ""
        if first.lower() == wanted:
            return parse(value)  # the topmost one with our id, read or not: never a lower one
    return None


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip().rstrip(".").lower()


def passes_for(results: AuthResults | None, domain: str) -> bool:
    """dkim=pass signed by `domain` (header.d, or header.i's domain), or dmarc=pass for a
    From in `domain` (header.from). Exact domains: a subdomain or a parent does not count."""
    domain = (domain or "").strip().rstrip(".").lower()
    if results is None or not domain:
        return False
    for result in results.results:
        if result.result != "pass":
            continue
        props = result.properties
        if result.method == "dkim" and domain in {
            _domain(props.get("header.d", "")),
            _domain(props.get("header.i", "")),
        }:
            return True
        if result.method == "dmarc" and _domain(props.get("header.from", "")) == domain:
            return True
    return False
