"""Authentication-Results (RFC 8601): which header is believed, and what it says."""

import pytest

from mailflow import authresults


def _raw(*headers: str) -> bytes:
    lines = [f"Authentication-Results: {h}" for h in headers]
    lines += ["From: coordenacao@ifes.edu.br", "Subject: Re: x", "", "Autorizado", ""]
    return "\r\n".join(lines).encode()


def test_a_header_with_comments_quotes_and_several_results():
    parsed = authresults.parse(
        "mx.ifes.edu.br 1; (checked (twice)) spf=pass smtp.mailfrom=ifes.edu.br;\r\n"
        ' dkim=pass (2048-bit key; secure) header.d=ifes.edu.br header.s="s;1" '
        "header.b=abc; dmarc=pass (p=REJECT sp=NONE dis=NONE) header.from=ifes.edu.br"
    )
    assert parsed.authserv_id == "mx.ifes.edu.br"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert parsed.results[1].properties["header.s"] == "s;1"
    assert parsed.results[1].properties["header.d"] == "ifes.edu.br"


@pytest.mark.parametrize(
    "value",
    [
        "mx.ifes.edu.br; dkim=pass (unclosed header.d=ifes.edu.br",
        'mx.ifes.edu.br; dkim=pass header.d="ifes.edu.br',
        "mx.ifes.edu.br; dkim=pass header.d",
        "mx.ifes.edu.br dkim=pass header.d=ifes.edu.br",
        "; dkim=pass header.d=ifes.edu.br",
        "",
    ],
)
def test_what_cannot_be_read_is_none(value):
    assert authresults.parse(value) is None


def test_none_and_versions():
    assert authresults.parse("mx.ifes.edu.br; none").results == []
    parsed = authresults.parse("mx.ifes.edu.br; dkim/1 = pass header.i=@ifes.edu.br")
    assert parsed.results[0].method == "dkim"
    assert authresults.passes_for(parsed, "ifes.edu.br")


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        (["mx.ifes.edu.br; dkim=pass header.d=ifes.edu.br"], True),
        (["MX.IFES.EDU.BR; dmarc=pass header.from=ifes.edu.br"], True),
        (["mx.ifes.edu.br; dkim=fail header.d=ifes.edu.br"], False),
        (["mx.ifes.edu.br; dkim=pass header.d=evil.example"], False),
        (["mx.ifes.edu.br; dkim=pass header.d=ifes.edu.br.evil.example"], False),
        (["mx.ifes.edu.br; dkim=pass header.d=edu.br"], False),
        (["mx.ifes.edu.br; dmarc=pass header.from=evil.example"], False),
        (["mx.ifes.edu.br; spf=pass smtp.mailfrom=ifes.edu.br"], False),
        (["mx.ifes.edu.br; dkim=neutral header.d=ifes.edu.br"], False),
        # the sender's own claim, below ours: ours says fail
        (
            [
                "mx.ifes.edu.br; dkim=fail header.d=ifes.edu.br",
                "mx.ifes.edu.br; dkim=pass header.d=ifes.edu.br",
            ],
            False,
        ),
        # another server's pass, above or below ours: never believed
        (
            [
                "relay.evil.example; dkim=pass header.d=ifes.edu.br",
                "mx.ifes.edu.br; dkim=fail header.d=ifes.edu.br",
                "mail.ifes.edu.br; dkim=pass header.d=ifes.edu.br",
            ],
            False,
        ),
        (["relay.evil.example; dkim=pass header.d=ifes.edu.br"], False),
        ([], False),
        # a topmost header with our id that cannot be read: no lower one instead
        (
            [
                "mx.ifes.edu.br; dkim=pass (broken",
                "mx.ifes.edu.br; dkim=pass header.d=ifes.edu.br",
            ],
            False,
        ),
        # the authserv-id in a comment-looking place is not ours
        (["(mx.ifes.edu.br) other.example; dkim=pass header.d=ifes.edu.br"], False),
        # a pass in a quoted value or a comment is no result
        (['mx.ifes.edu.br; dkim=fail reason="dkim=pass header.d=ifes.edu.br"'], False),
        (["mx.ifes.edu.br; dkim=fail (dkim=pass header.d=ifes.edu.br) header.d=x"], False),
    ],
)
def test_only_our_topmost_header_decides(headers, ok):
    found = authresults.ours(_raw(*headers), "mx.ifes.edu.br")
    assert authresults.passes_for(found, "ifes.edu.br") is ok


def test_headers_in_the_body_are_not_headers():
    raw = (
        b"From: a@b\r\nSubject: x\r\n\r\n"
        b"Authentication-Results: mx.ifes.edu.br; dkim=pass header.d=ifes.edu.br\r\n"
    )
    assert authresults.ours(raw, "mx.ifes.edu.br") is None
