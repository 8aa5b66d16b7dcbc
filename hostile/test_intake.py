"""Intake limits and poison messages (issue #15, holes 5 and 6), through the real path:
a real Dovecot and `mailbox_collect`, or `ingest_eml`. See README.md, "Intake limits and
poison messages"."""

from __future__ import annotations

import hashlib
import mailbox as mailbox_lib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from emails import services
from emails.models import Email, Mailbox
from hostile.generate_intake import (
    MB,
    big_attachment_message,
    many_references_message,
    nested_divs_message,
)
from pipeline import steps
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = Path(__file__).parent / "messages"


def _collect(mailbox: Mailbox) -> services.CollectResult:
    return services.mailbox_collect(mailbox=Mailbox.objects.get(pk=mailbox.pk))


# --- 40 MB --------------------------------------------------------------------------------


def test_40_mb_message_is_stored_headers_only_then_fetched_anyway(
    dovecot_server, imap_account, imap_mailbox, admin_client
):
    huge = big_attachment_message(40 * MB)
    big_uid = dovecot_server.append(imap_account, huge)
    next_uid = dovecot_server.append(imap_account, make_raw(subject="depois do enorme"))
    del huge

    result = _collect(imap_mailbox)

    assert result.error == "" and result.stored == 2
    big = Email.objects.get(uid=big_uid)
    assert big.headers_only and big.status == Email.Status.FAILED
    assert big.subject == "Anexo enorme"  # read from the headers
    assert big.size >= 40 * MB
    assert len(bytes(big.raw)) < 64 * 1024  # the headers, not the body
    assert not big.attachments.exists() and big.body_text == ""
    assert "só os cabeçalhos foram baixados" in big.error
    assert "\\Seen" not in dovecot_server.flags(imap_account, big_uid)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == next_uid and imap_mailbox.last_error == ""
    assert Email.objects.get(uid=next_uid).status == Email.Status.RECEIVED

    page = admin_client.get(reverse("admin:emails_email_change", args=[big.pk]))
    assert page.status_code == 200
    assert "só os cabeçalhos foram baixados" in page.content.decode()
    assert "Baixar mesmo assim" in page.content.decode()

    # Staff fetch it anyway: one message, on request.
    response = admin_client.post(
        reverse("admin:emails_email_changelist"),
        {"action": "fetch_anyway", "_selected_action": [big.pk]},
        follow=True,
    )
    assert f"O e-mail nº {big.pk} foi baixado por inteiro." in response.content.decode()
    big.refresh_from_db()
    assert not big.headers_only and big.status == Email.Status.RECEIVED and big.error == ""
    assert big.size == len(bytes(big.raw)) >= 40 * MB
    assert hashlib.sha256(bytes(big.raw)).hexdigest() == big.raw_sha256
    assert bytes(big.raw) == dovecot_server.fetch(imap_account, big_uid)
    assert big.attachments.get().size >= 29 * MB
    assert "\\Seen" not in dovecot_server.flags(imap_account, big_uid)


def test_batches_bounded_by_bytes(dovecot_server, imap_account, imap_mailbox, settings):
    settings.MAILFLOW_IMAP_BATCH_BYTES = 3 * MB
    uids = [
        dovecot_server.append(imap_account, big_attachment_message(2 * MB, tag=f"b{n}"))
        for n in range(3)
    ]
    fetched: list[list[int]] = []
    original = services._fetch_parsed

    def spy(client, batch, sizes, uidvalidity):
        fetched.append(list(batch.keys))
        return original(client, batch, sizes, uidvalidity)

    import unittest.mock

    with unittest.mock.patch.object(services, "_fetch_parsed", spy):
        result = _collect(imap_mailbox)
    assert result.stored == 3
    assert fetched == [[uid] for uid in uids]  # 2 MB each: one per 3 MB batch


def test_oversized_file_in_a_maildir_is_read_by_its_headers_only(tmp_path, settings):
    settings.MAILFLOW_MAX_MESSAGE_BYTES = 1 * MB
    folder = mailbox_lib.Maildir(tmp_path / "Maildir", create=True)
    key = folder.add(big_attachment_message(3 * MB))
    folder.add(make_raw(subject="pequena"))
    mailbox = Mailbox.objects.create(
        name="local", protocol=Mailbox.Protocol.MAILDIR, maildir_path=str(tmp_path / "Maildir")
    )
    result = _collect(mailbox)
    assert result.error == "" and result.stored == 2
    big = Email.objects.get(source_key=key)
    assert big.headers_only and big.status == Email.Status.FAILED and big.size >= 3 * MB
    assert len(bytes(big.raw)) < 64 * 1024
    services.email_fetch_full(email=big)
    big.refresh_from_db()
    assert not big.headers_only and big.status == Email.Status.RECEIVED
    assert big.attachments.get().size >= 2 * MB


def test_ingest_eml_refuses_a_message_over_the_limit(tmp_path, settings):
    settings.MAILFLOW_MAX_MESSAGE_BYTES = 1 * MB
    path = tmp_path / "enorme.eml"
    path.write_bytes(big_attachment_message(2 * MB))
    with pytest.raises(CommandError, match="mais que o limite de 1,0 MB"):
        call_command("ingest_eml", str(path))
    assert not Email.objects.exists()


def test_api_upload_refuses_a_message_over_the_limit(admin_client, settings):
    settings.MAILFLOW_MAX_MESSAGE_BYTES = 1 * MB
    response = admin_client.post(
        "/api/emails/",
        data=big_attachment_message(2 * MB),
        content_type="message/rfc822",
    )
    assert response.status_code == 400
    assert "mais que o limite de 1,0 MB" in response.content.decode()
    assert not Email.objects.exists()


# --- 260,000 References ---------------------------------------------------------------------


def test_260k_references_do_not_stop_the_collection(dovecot_server, imap_account, imap_mailbox):
    dovecot_server.append(imap_account, many_references_message(260_000))
    after = dovecot_server.append(imap_account, make_raw(subject="a seguinte"))

    result = _collect(imap_mailbox)

    assert result.error == "" and result.stored == 2
    poisoned = Email.objects.get(message_id="many-references@hostile.example")
    assert len(poisoned.references.split()) == 50
    assert poisoned.references.split()[-1] == "guess-0259999@ppcomp.ifes.edu.br"
    assert poisoned.in_reply_to == "guess-0000000@ppcomp.ifes.edu.br"
    assert Email.objects.get(uid=after).status == Email.Status.RECEIVED
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == after and imap_mailbox.last_error == ""
    # and the mail after it, in a later collection
    later = dovecot_server.append(imap_account, make_raw(subject="mais tarde"))
    assert _collect(imap_mailbox).stored == 1
    assert Email.objects.filter(uid=later).exists()


def test_260k_references_on_sqlite_with_the_real_command(dovecot_server, imap_account, tmp_path):
    """The hole was SQLite's ("too many SQL variables") and CI runs this suite on
    PostgreSQL: the same poison message is also collected by `collect_emails` in its own
    process, on a SQLite database of its own, from the same Dovecot."""
    import os
    import sqlite3
    import subprocess
    import sys
    from urllib.parse import quote

    dovecot_server.append(imap_account, many_references_message(260_000))
    dovecot_server.append(imap_account, make_raw(subject="a seguinte"))
    database = tmp_path / "intake.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "IMAP_", "EMAIL_", "DJANGO_", "MAILFLOW_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="mailflow.settings",
        DATABASE_URL=f"sqlite:///{database}",
        MAILFLOW_TRIAL="1",
        DEBUG="1",
        MAILFLOW_VAR_DIR=str(tmp_path),
        IMAP_URL=(
            f"imap://{quote(imap_account.user, safe='')}:{quote(imap_account.password, safe='')}"
            f"@{dovecot_server.host}:{dovecot_server.port}/INBOX"
        ),
    )
    root = Path(__file__).resolve().parent.parent

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    migrated = manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    collected = manage("collect_emails")
    assert collected.returncode == 0, collected.stderr
    assert "stored 2" in collected.stdout and "failed 0" in collected.stdout, collected.stdout
    with sqlite3.connect(database) as db:
        rows = dict(db.execute('SELECT subject, "references" FROM emails_email').fetchall())
        errors = db.execute("SELECT last_error FROM emails_mailbox").fetchall()
    assert len(rows) == 2 and "a seguinte" in rows
    poisoned = next(refs for subject, refs in rows.items() if subject != "a seguinte")
    assert len(poisoned.split()) == 50
    assert errors == [("",)]


def test_a_message_that_breaks_its_batch_does_not_hold_back_the_others(
    dovecot_server, imap_account, imap_mailbox
):
    """Whatever makes storing one message fail (here an intake hook that raises on it),
    the rest of its batch is stored, and the broken one is kept as failed with the error."""

    def poisoned_hook(emails):
        if any(e.subject == "veneno" for e in emails):
            raise RuntimeError("too many SQL variables")

    dovecot_server.append(imap_account, make_raw(subject="antes"))
    dovecot_server.append(imap_account, make_raw(subject="veneno"))
    last = dovecot_server.append(imap_account, make_raw(subject="depois"))
    steps.register_intake_hook(poisoned_hook)
    try:
        result = _collect(imap_mailbox)
    finally:
        steps._intake_hooks.remove(poisoned_hook)
    assert result.error == "" and result.stored == 3
    assert Email.objects.get(subject="antes").status == Email.Status.RECEIVED
    assert Email.objects.get(subject="depois").status == Email.Status.RECEIVED
    broken = Email.objects.get(uid=last - 1)
    assert broken.status == Email.Status.FAILED and "too many SQL variables" in broken.error
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == last


def test_an_unexpected_collection_error_is_recorded_on_the_mailbox(
    dovecot_server, imap_account, imap_mailbox, monkeypatch
):
    dovecot_server.append(imap_account, make_raw(subject="qualquer"))

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_store_isolated", broken)
    result = _collect(imap_mailbox)
    assert "disk full" in result.error
    imap_mailbox.refresh_from_db()
    assert "disk full" in imap_mailbox.last_error and imap_mailbox.last_uid == 0


# --- 200,000 nested <div>s --------------------------------------------------------------------


def test_200k_nested_divs_are_shown_as_text(tmp_path, admin_client):
    path = tmp_path / "aninhado.eml"
    path.write_bytes(nested_divs_message(200_000))
    call_command("ingest_eml", str(path))
    email = Email.objects.get()
    page = admin_client.get(reverse("admin:emails_email_change", args=[email.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "em seu lugar é mostrada a versão em texto" in html
    assert "Pedido de acesso" in html
    assert html.count("<div>") < 100


# --- two copies of one Message-ID ---------------------------------------------------------------


def test_two_copies_of_one_message_id_with_different_bytes_are_both_kept(
    dovecot_server, imap_account, imap_mailbox, admin_client
):
    forged = (MESSAGES / "intake-forged-early-copy.eml").read_bytes()
    genuine = (MESSAGES / "intake-genuine-later-copy.eml").read_bytes()
    first_uid = dovecot_server.append(imap_account, forged)
    assert _collect(imap_mailbox).stored == 1
    second_uid = dovecot_server.append(imap_account, genuine)

    result = _collect(imap_mailbox)

    assert result.stored == 1 and result.duplicates == 0
    early = Email.objects.get(uid=first_uid)
    later = Email.objects.get(uid=second_uid)
    assert early.message_id == later.message_id == "decisao-2025-03-03@ifes.edu.br"
    assert "Autorizado" in later.body_text
    assert later.duplicate_of == early and early.duplicate_of is None
    assert later.status == Email.Status.NEEDS_REVIEW  # never processed automatically
    assert later.kind is None
    assert f"Mesmo Message-ID do e-mail nº {early.pk}" in later.error
    steps.run_pending()
    later.refresh_from_db()
    assert later.status == Email.Status.NEEDS_REVIEW and later.kind is None

    later_page = admin_client.get(reverse("admin:emails_email_change", args=[later.pk]))
    assert "mesmo message-id, conteúdo diferente, de" in later_page.content.decode().lower()
    early_page = admin_client.get(reverse("admin:emails_email_change", args=[early.pk]))
    early_html = early_page.content.decode()
    assert "cópias posteriores com o mesmo message-id e conteúdo diferente" in early_html.lower()
    assert reverse("admin:emails_email_change", args=[later.pk]) in early_html

    # the same bytes again (another UID, or the folder read again): still these two
    dovecot_server.append(imap_account, genuine)
    again = _collect(imap_mailbox)
    assert (again.stored, again.duplicates) == (0, 1)
    assert Email.objects.count() == 2


def test_same_bytes_twice_through_ingest_eml_are_one_email(tmp_path):
    path = MESSAGES / "intake-genuine-later-copy.eml"
    call_command("ingest_eml", str(path))
    call_command("ingest_eml", str(path))
    assert Email.objects.count() == 1
    call_command("ingest_eml", str(MESSAGES / "intake-forged-early-copy.eml"))
    assert Email.objects.count() == 2
    assert Email.objects.filter(duplicate_of__isnull=False).count() == 1
