"""Automatic mail is recognised, so that it never gets an automatic answer."""

from __future__ import annotations

import pytest

from emails.autodetect import detect_automatic
from emails.parsing import parse_email
from emails.tests.corpus import SENDER, multipart, part, raw_message, standard_headers


def parsed_with(*extra: tuple[str, str], sender: str = SENDER):
    return parse_email(raw_message(standard_headers("Assunto", sender=sender, extra=extra), "x\n"))


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (("Auto-Submitted", "auto-replied"), "Auto-Submitted: auto-replied"),
        (("Auto-Submitted", "auto-generated; type=vacation"), None),
        (("X-Autoreply", "yes"), "X-Autoreply: yes"),
        (("X-Autorespond", "Ausente do escritório"), "X-Autorespond: Ausente do escritório"),
        (("X-Auto-Response-Suppress", "All"), "X-Auto-Response-Suppress: All"),
        (("X-Auto-Response-Suppress", "OOF, AutoReply"), None),
        (("Precedence", "bulk"), "Precedence: bulk"),
        (("Precedence", "list"), "Precedence: list"),
        (("Precedence", "junk"), "Precedence: junk"),
        (("Precedence", "auto_reply"), "Precedence: auto_reply"),
        (("Precedence", "BULK"), "Precedence: BULK"),
        (("List-Id", "Avisos PPComp <avisos.ppcomp.ifes.edu.br>"), None),
        (("List-Unsubscribe", "<mailto:sair@lista.ifes.edu.br>"), None),
        (("Return-Path", "<>"), "Return-Path: <>"),
    ],
)
def test_automatic_headers(header, reason):
    result = parsed_with(header)
    assert result.auto_generated is True
    name, value = header
    assert result.auto_reason == (reason or f"{name}: {value}")


@pytest.mark.parametrize(
    "sender",
    [
        "Mail Delivery System <MAILER-DAEMON@mx.ifes.edu.br>",
        "postmaster@ifes.edu.br",
        "Postmaster <PostMaster@ufes.br>",
        "MAILER-DAEMON (Mail Delivery System)",
    ],
)
def test_daemon_senders(sender):
    result = parsed_with(sender=sender)
    assert result.auto_generated is True
    assert result.auto_reason.startswith("From: ")
    assert "mailer-daemon" in result.auto_reason.lower() or "postmaster" in result.auto_reason


def test_multipart_report_bounce():
    raw = raw_message(
        standard_headers(
            "Delivery Status Notification (Failure)",
            sender="Mail Delivery Subsystem <avisos@ifes.edu.br>",
            content_type='multipart/report; report-type=delivery-status; boundary="r"',
            encoding=None,
        ),
        multipart(
            "r",
            [
                part("text/plain", "Address not found."),
                part("message/delivery-status", "Reporting-MTA: dns; mx\n\nAction: failed\n"),
            ],
        ),
    )
    result = parse_email(raw)
    assert result.auto_generated is True
    assert result.auto_reason == "Content-Type: multipart/report"


def test_read_receipt_is_a_report_too():
    raw = raw_message(
        standard_headers(
            "Lida: Dados da defesa",
            content_type='multipart/report; report-type=disposition-notification; boundary="m"',
            encoding=None,
        ),
        multipart("m", [part("text/plain", "Sua mensagem foi lida.")]),
    )
    assert parse_email(raw).auto_reason == "Content-Type: multipart/report"


@pytest.mark.parametrize(
    "extra",
    [
        (),
        (("Auto-Submitted", "no"),),
        (("Precedence", "first-class"),),
        (("Return-Path", "<maria.souza@aluno.ifes.edu.br>"),),
        (("X-Mailer", "Microsoft Outlook 16.0"),),
    ],
    ids=["plain", "auto-submitted-no", "precedence-first-class", "return-path", "x-mailer"],
)
def test_human_mail_is_not_automatic(extra):
    result = parsed_with(*extra)
    assert result.auto_generated is False
    assert result.auto_reason == ""


def test_postmaster_in_a_display_name_is_not_enough():
    result = parsed_with(sender="Postmaster do Ifes <noreply.ti@ifes.edu.br>")
    assert result.auto_generated is False


def test_first_rule_wins_and_long_values_are_cut():
    reason = detect_automatic(
        {"precedence": "bulk", "list-unsubscribe": "<https://x/" + "a" * 500 + ">"},
    )
    assert reason == "Precedence: bulk"
    reason = detect_automatic({"list-unsubscribe": "<https://x/" + "a" * 500 + ">"})
    assert reason.startswith("List-Unsubscribe: <https://x/") and len(reason) < 250
