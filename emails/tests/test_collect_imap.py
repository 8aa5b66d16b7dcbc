"""Collection against a real Dovecot started by the fixtures (testing/dovecot.py)."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from emails import services
from emails.models import Email, Mailbox
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)


def _subjects() -> list[str]:
    return sorted(Email.objects.values_list("subject", flat=True))


def test_incremental_and_nothing_flagged(dovecot_server, imap_account, imap_mailbox):
    first_uid = dovecot_server.append(imap_account, make_raw(subject="um"))
    dovecot_server.append(imap_account, make_raw(subject="dois"))
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert (result.fetched, result.stored, result.duplicates, result.error) == (2, 2, 0, "")
    assert _subjects() == ["dois", "um"]
    assert "\\Seen" not in dovecot_server.flags(imap_account, first_uid)

    assert services.mailbox_collect(mailbox=imap_mailbox).fetched == 0
    dovecot_server.append(imap_account, make_raw(subject="três"))
    again = services.mailbox_collect(mailbox=imap_mailbox)
    assert (again.fetched, again.stored) == (1, 1)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == first_uid + 2
    assert imap_mailbox.uidvalidity
    assert imap_mailbox.last_error == "" and imap_mailbox.last_success_at
    email = Email.objects.get(subject="três")
    assert email.uid == first_uid + 2 and email.uidvalidity == imap_mailbox.uidvalidity


def test_message_read_by_a_person_is_still_collected(dovecot_server, imap_account, imap_mailbox):
    uid = dovecot_server.append(imap_account, make_raw(subject="lida"), flags=("\\Seen",))
    assert services.mailbox_collect(mailbox=imap_mailbox).stored == 1
    assert Email.objects.get().subject == "lida"
    assert "\\Seen" in dovecot_server.flags(imap_account, uid)


def test_same_message_appended_twice_stored_once(dovecot_server, imap_account, imap_mailbox):
    raw = make_raw(subject="duplicada")
    dovecot_server.append(imap_account, raw)
    dovecot_server.append(imap_account, raw)
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert (result.fetched, result.stored, result.duplicates) == (2, 1, 1)
    # arriving again in a later run
    dovecot_server.append(imap_account, raw)
    later = services.mailbox_collect(mailbox=imap_mailbox)
    assert (later.stored, later.duplicates) == (0, 1)
    assert Email.objects.count() == 1


def test_uidvalidity_change_rescans_without_duplicates(dovecot_server, imap_account, imap_mailbox):
    dovecot_server.append(imap_account, make_raw(subject="a"))
    dovecot_server.append(imap_account, make_raw(subject="b", message_id=None))
    services.mailbox_collect(mailbox=imap_mailbox)
    imap_mailbox.refresh_from_db()
    old_validity = imap_mailbox.uidvalidity
    dovecot_server.reset_uidvalidity(imap_account)
    dovecot_server.append(imap_account, make_raw(subject="c"))
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert result.rescanned
    assert (result.fetched, result.stored, result.duplicates) == (3, 1, 2)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.uidvalidity != old_validity
    assert _subjects() == ["a", "b", "c"]


def test_server_stopped_mid_collection_loses_and_doubles_nothing(
    dovecot_server, imap_account, imap_mailbox, settings, monkeypatch
):
    settings.MAILFLOW_IMAP_BATCH_SIZE = 5
    for i in range(23):
        dovecot_server.append(imap_account, make_raw(subject=f"m{i:02d}"))
    real_store = services.emails_store
    calls = {"n": 0}

    def store_then_kill(**kwargs):
        calls["n"] += 1
        result = real_store(**kwargs)
        if calls["n"] == 2:
            dovecot_server.stop()  # the server dies after the second batch
        return result

    monkeypatch.setattr(services, "emails_store", store_then_kill)
    broken = services.mailbox_collect(mailbox=imap_mailbox)
    assert broken.error
    # the third batch may already have been fetched ahead when the server went down
    assert broken.stored in (10, 15)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == broken.error
    assert Email.objects.count() == broken.stored

    # while it is down: an error, the bookmark unchanged
    down = services.mailbox_collect(mailbox=imap_mailbox)
    assert down.error and down.stored == 0
    assert Mailbox.objects.get(pk=imap_mailbox.pk).last_uid == imap_mailbox.last_uid

    dovecot_server.start()
    monkeypatch.setattr(services, "emails_store", real_store)
    resumed = services.mailbox_collect(mailbox=imap_mailbox)
    assert resumed.error == "" and resumed.stored == 23 - broken.stored
    assert resumed.duplicates == 0
    assert _subjects() == [f"m{i:02d}" for i in range(23)]
    assert Mailbox.objects.get(pk=imap_mailbox.pk).last_error == ""


def test_two_concurrent_runs(dovecot_server, imap_account, imap_mailbox, settings):
    settings.MAILFLOW_IMAP_BATCH_SIZE = 10
    dovecot_server.append_many(imap_account, [make_raw(subject=f"c{i}") for i in range(60)])
    results = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(services.mailbox_collect(mailbox=imap_mailbox))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Email.objects.count() == 60
    assert sum(r.stored for r in results) == 60
    # either one of them saw the other's lock, or they ran one after the other
    assert sum(r.duplicates for r in results) == 0
    busy = [r for r in results if r.busy]
    assert len(busy) <= 1


def test_hostile_corpus_is_stored(dovecot_server, imap_account, imap_mailbox):
    from emails.tests.corpus import hostile_corpus

    corpus = hostile_corpus()
    assert len(corpus) >= 30
    for _name, raw in corpus:
        if raw.strip():
            dovecot_server.append(imap_account, raw)
    appended = sum(1 for _n, raw in corpus if raw.strip())
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert result.error == ""
    assert result.fetched == appended
    assert result.stored + result.duplicates == appended
    for email in Email.objects.all():
        assert bytes(email.raw)
        assert "\x00" not in email.subject + email.body_text


def test_big_attachment(dovecot_server, imap_account, imap_mailbox):
    from emails.tests.corpus import big_attachment_message

    dovecot_server.append(imap_account, big_attachment_message(15))
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert result.stored == 1, result
    att = Email.objects.get().attachments.get()
    assert att.size >= 15 * 1024 * 1024


def test_imaps_with_pinned_ca(dovecot_server, imap_account, settings, db):
    settings.IMAP_CA_FILE = dovecot_server.ca_file
    settings.IMAP_URL = dovecot_server.imap_url(imap_account, tls="ssl").replace(
        "127.0.0.1", "localhost"
    )
    dovecot_server.append(imap_account, make_raw(subject="tls"))
    results = services.mailboxes_collect(name="default")
    assert results[0].error == "" and results[0].stored == 1


def test_imaps_without_trusted_ca_fails_clearly(dovecot_server, imap_account, settings, db):
    settings.IMAP_CA_FILE = ""
    settings.IMAP_URL = dovecot_server.imap_url(imap_account, tls="ssl")
    result = services.mailboxes_collect(name="default")[0]
    assert "TLS" in result.error or "certificate" in result.error.lower()
    assert Email.objects.count() == 0


def test_wrong_password_sets_last_error(dovecot_server, imap_account, imap_mailbox):
    services.mailbox_set_password(mailbox=imap_mailbox, password="wrong")
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert "falha no login" in result.error
    assert "wrong" not in result.error
    imap_mailbox.refresh_from_db()
    assert "falha no login" in imap_mailbox.last_error


def test_after_fetch_mark_seen_and_move(dovecot_server, imap_account, imap_mailbox):
    uid = dovecot_server.append(imap_account, make_raw(subject="ver"))
    imap_mailbox.after_fetch = Mailbox.AfterFetch.SEEN
    imap_mailbox.save()
    services.mailbox_collect(mailbox=imap_mailbox)
    assert "\\Seen" in dovecot_server.flags(imap_account, uid)

    other = dovecot_server.new_account()
    moved = Mailbox.objects.create(
        name="moving",
        host=dovecot_server.host,
        port=dovecot_server.port,
        security="none",
        username=other.user,
        after_fetch=Mailbox.AfterFetch.MOVE,
        move_to_folder="Processed",
    )
    services.mailbox_set_password(mailbox=moved, password=other.password)
    dovecot_server.append(other, make_raw(subject="mover"))
    dovecot_server.create_folder(other, "Processed")
    result = services.mailbox_collect(mailbox=moved)
    assert result.error == "" and result.stored == 1
    assert dovecot_server.uids(other, "INBOX") == []
    assert len(dovecot_server.uids(other, "Processed")) == 1


def test_collect_emails_command(dovecot_server, imap_account, settings, capsys):
    settings.IMAP_URL = dovecot_server.imap_url(imap_account)
    dovecot_server.append(imap_account, make_raw(subject="cmd"))
    call_command("collect_emails")
    out = capsys.readouterr().out
    assert "default: fetched 1, stored 1, duplicates 0, failed 0" in out
    call_command("collect_emails", "--mailbox", "default")
    assert "fetched 0, stored 0" in capsys.readouterr().out


def test_collect_emails_command_reports_failure(dovecot_server, imap_account, settings):
    from django.core.management.base import CommandError

    settings.IMAP_URL = dovecot_server.imap_url(imap_account).replace(
        imap_account.password.replace("%", "%25"), "bad"
    )
    with pytest.raises(CommandError, match="collection failed for: default"):
        call_command("collect_emails")
    with pytest.raises(CommandError, match="no mailbox named"):
        call_command("collect_emails", "--mailbox", "nope")


def test_admin_actions_against_dovecot(admin_client, dovecot_server, imap_account, imap_mailbox):
    from django.urls import reverse

    dovecot_server.append(imap_account, make_raw(subject="pelo admin"))
    url = reverse("admin:emails_mailbox_changelist")
    response = admin_client.post(
        url, {"action": "test_connection", "_selected_action": [imap_mailbox.pk]}, follow=True
    )
    assert "1" in response.content.decode()
    response = admin_client.post(
        url, {"action": "collect_now", "_selected_action": [imap_mailbox.pk]}, follow=True
    )
    html = response.content.decode()
    assert Email.objects.filter(subject="pelo admin").exists()
    assert imap_mailbox.name in html


def test_starttls_upgrade_is_used_and_verified(settings, db):
    from testing.dovecot import DovecotServer

    with DovecotServer(starttls=True) as server:
        account = server.new_account()
        server.append(account, make_raw(subject="por starttls"))
        settings.IMAP_CA_FILE = server.ca_file
        mailbox = Mailbox.objects.create(
            name="starttls",
            host="localhost",
            port=server.port,
            security=Mailbox.Security.STARTTLS,
            username=account.user,
        )
        services.mailbox_set_password(mailbox=mailbox, password=account.password)
        result = services.mailbox_collect(mailbox=mailbox)
        assert result.error == "" and result.stored == 1
        login_lines = [
            line
            for line in server.log_tail(200).splitlines()
            if "Login: user=<" + account.user in line
        ]
        assert login_lines and "TLS" in login_lines[-1]  # ours; the first is the APPEND


def test_silent_server_times_out_and_keeps_state(settings, imap_mailbox):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        imap_mailbox.port = listener.getsockname()[1]
        imap_mailbox.last_uid = 7
        imap_mailbox.save()
        settings.MAILFLOW_IMAP_TIMEOUT = 0.5
        result = services.mailbox_collect(mailbox=imap_mailbox)
    finally:
        listener.close()
    assert result.error == "tempo esgotado na comunicação com o servidor IMAP"
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == result.error
    assert imap_mailbox.last_uid == 7 and imap_mailbox.lock_token == ""


def test_refused_connection_sets_last_error(imap_mailbox):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    free_port = sock.getsockname()[1]
    sock.close()
    imap_mailbox.port = free_port
    imap_mailbox.save()
    result = services.mailbox_collect(mailbox=imap_mailbox)
    assert result.error == "conexão recusada pelo servidor IMAP"
