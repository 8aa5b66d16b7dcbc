import mailbox as mailbox_lib
from datetime import timedelta

import pytest
from django.utils import timezone

from emails import services
from emails.models import Attachment, Email, Mailbox, StatusChange
from emails.services import Incoming
from mailflow.audit import status_transition
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def test_store_parses_and_audits(maildir_mailbox):
    raw = make_raw(
        subject="Dados da defesa", attachments=[("ata.pdf", "application/pdf", b"%PDF-1.4 x")]
    )
    result = services.emails_store(mailbox=maildir_mailbox, items=[Incoming(raw=raw)])
    assert result.stored == 1 and result.duplicates == 0 and result.failed == 0
    email = Email.objects.get(pk=result.stored_ids[0])
    assert email.subject == "Dados da defesa"
    assert email.from_address == "maria.souza@aluno.ifes.edu.br"
    assert email.from_name == "Maria Souza"
    assert email.status == Email.Status.RECEIVED
    assert email.kind is None
    assert bytes(email.raw) == raw
    assert email.size == len(raw)
    att = Attachment.objects.get(email=email)
    assert att.filename == "ata.pdf"
    assert att.size == 10
    assert att.file.read() == b"%PDF-1.4 x"
    change = StatusChange.objects.get(email=email)
    assert (change.from_status, change.to_status) == ("", "received")


def test_same_message_id_same_bytes_once_other_bytes_kept_for_review(maildir_mailbox):
    raw = make_raw(message_id="<same@test.example>")
    again = make_raw(message_id="<same@test.example>", body="other bytes, same id")
    first = services.emails_store(mailbox=maildir_mailbox, items=[Incoming(raw=raw)])
    second = services.emails_store(
        mailbox=maildir_mailbox, items=[Incoming(raw=raw), Incoming(raw=again)]
    )
    assert first.stored == 1
    assert second.stored == 1 and second.duplicates == 1
    original = Email.objects.get(pk=first.stored_ids[0])
    later = Email.objects.get(pk=second.stored_ids[0])
    assert original.duplicate_of is None and original.status == Email.Status.RECEIVED
    assert later.duplicate_of == original and later.status == Email.Status.NEEDS_REVIEW
    assert later.error == services.duplicate_reason(original.pk)


def test_two_copies_of_one_message_id_in_one_batch(maildir_mailbox):
    one = make_raw(message_id="<twin@test.example>", body="first")
    two = make_raw(message_id="<twin@test.example>", body="second")
    three = make_raw(message_id="<twin@test.example>", body="third")
    result = services.emails_store(
        mailbox=maildir_mailbox, items=[Incoming(raw=one), Incoming(raw=two), Incoming(raw=three)]
    )
    assert result.stored == 3
    first = Email.objects.get(duplicate_of__isnull=True)
    assert first.body_text.startswith("first")
    assert set(first.same_id_copies.values_list("status", flat=True)) == {"needs_review"}
    assert first.same_id_copies.count() == 2


def test_without_message_id_dedup_by_bytes(maildir_mailbox):
    raw = make_raw(message_id=None)
    other = make_raw(message_id=None, body="different")
    result = services.emails_store(
        mailbox=maildir_mailbox, items=[Incoming(raw=raw), Incoming(raw=raw), Incoming(raw=other)]
    )
    assert result.stored == 2 and result.duplicates == 1
    assert set(Email.objects.values_list("message_id", flat=True)) == {""}


def test_same_message_in_two_mailboxes_is_kept_in_each(maildir_mailbox):
    other = Mailbox.objects.create(name="other", protocol=Mailbox.Protocol.MANUAL)
    raw = make_raw()
    services.emails_store(mailbox=maildir_mailbox, items=[Incoming(raw=raw)])
    services.emails_store(mailbox=other, items=[Incoming(raw=raw)])
    assert Email.objects.count() == 2


def test_unparsable_message_is_stored_failed(maildir_mailbox, monkeypatch):
    def broken(raw):
        raise ValueError("boom")

    monkeypatch.setattr(services, "parse_email", broken)
    raw = b"whatever bytes \x00\xff"
    result = services.emails_store(mailbox=maildir_mailbox, items=[Incoming(raw=raw)])
    assert result.stored == 1 and result.failed == 1
    email = Email.objects.get()
    assert email.status == Email.Status.FAILED
    assert "boom" in email.error
    assert bytes(email.raw) == raw


def test_email_ingest_returns_existing_on_duplicate():
    raw = make_raw()
    first, created = services.email_ingest(raw=raw)
    again, created_again = services.email_ingest(raw=raw)
    assert created and not created_again
    assert first.pk == again.pk
    assert first.mailbox.name == services.MANUAL_MAILBOX


def test_maildir_collection_is_incremental(maildir_mailbox):
    folder = mailbox_lib.Maildir(maildir_mailbox.maildir_path, create=False)
    folder.add(make_raw(subject="um"))
    folder.add(make_raw(subject="dois"))
    first = services.mailbox_collect(mailbox=maildir_mailbox)
    assert (first.fetched, first.stored, first.error) == (2, 2, "")
    second = services.mailbox_collect(mailbox=maildir_mailbox)
    assert (second.fetched, second.stored) == (0, 0)
    folder.add(make_raw(subject="três"))
    third = services.mailbox_collect(mailbox=maildir_mailbox)
    assert (third.fetched, third.stored) == (1, 1)
    assert sorted(Email.objects.values_list("subject", flat=True)) == ["dois", "três", "um"]
    maildir_mailbox.refresh_from_db()
    assert maildir_mailbox.last_error == "" and maildir_mailbox.last_success_at
    assert maildir_mailbox.lock_token == "" and maildir_mailbox.locked_until is None


def test_collection_while_locked_does_nothing(maildir_mailbox, another_collection):
    another_collection(maildir_mailbox)
    mailbox_lib.Maildir(maildir_mailbox.maildir_path).add(make_raw())
    result = services.mailbox_collect(mailbox=maildir_mailbox)
    assert result.busy and result.stored == 0
    assert Email.objects.count() == 0
    # the other run's lock is left alone
    again = services.mailbox_collect(mailbox=maildir_mailbox)
    assert again.busy and Email.objects.count() == 0


def test_collection_after_the_other_run_lets_go(maildir_mailbox, another_collection):
    let_go = another_collection(maildir_mailbox)
    mailbox_lib.Maildir(maildir_mailbox.maildir_path).add(make_raw())
    assert services.mailbox_collect(mailbox=maildir_mailbox).busy
    let_go()
    result = services.mailbox_collect(mailbox=maildir_mailbox)
    assert not result.busy and result.stored == 1
    maildir_mailbox.refresh_from_db()
    assert maildir_mailbox.lock_token == "" and maildir_mailbox.locked_until is None


def test_expired_lock_is_taken_over(maildir_mailbox):
    Mailbox.objects.filter(pk=maildir_mailbox.pk).update(
        lock_token="dead", locked_until=timezone.now() - timedelta(seconds=1)
    )
    mailbox_lib.Maildir(maildir_mailbox.maildir_path).add(make_raw())
    result = services.mailbox_collect(mailbox=maildir_mailbox)
    assert not result.busy and result.stored == 1


def test_broken_maildir_path_sets_last_error(maildir_mailbox, tmp_path):
    maildir_mailbox.maildir_path = str(tmp_path / "missing")
    maildir_mailbox.save()
    result = services.mailbox_collect(mailbox=maildir_mailbox)
    assert "não é uma pasta Maildir" in result.error
    maildir_mailbox.refresh_from_db()
    assert "não é uma pasta Maildir" in maildir_mailbox.last_error
    assert maildir_mailbox.last_polled_at is not None


def test_status_transition_writes_audit_and_refuses_illegal(maildir_mailbox, admin_user):
    email, _ = services.email_ingest(raw=make_raw())
    status_transition(
        obj=email, status="needs_review", **services.EMAIL_TRANSITIONS, actor=admin_user, note="x"
    )
    assert Email.objects.get(pk=email.pk).status == "needs_review"
    change = StatusChange.objects.filter(email=email).last()
    assert (change.from_status, change.to_status, change.actor) == (
        "received",
        "needs_review",
        admin_user,
    )
    status_transition(
        obj=email, status="processing", **services.EMAIL_TRANSITIONS, actor_label="system"
    )
    with pytest.raises(
        services.TransitionNotAllowed,
        match="um email na situação “Em processamento” não pode passar a “Ignorado”",
    ):
        status_transition(
            obj=email, status="ignored", **services.EMAIL_TRANSITIONS, actor_label="system"
        )
    assert Email.objects.get(pk=email.pk).status == "processing"
    assert email.status_changes.count() == 3


def test_set_kind_validates(admin_user):
    from django.core.exceptions import ValidationError

    email, _ = services.email_ingest(raw=make_raw())
    services.email_set_kind(email=email, kind="acesso", confidence=0.9, actor=admin_user)
    email.refresh_from_db()
    assert (email.kind, email.kind_confidence) == ("acesso", 0.9)
    with pytest.raises(ValidationError):
        services.email_set_kind(email=email, kind="spam")
    with pytest.raises(ValidationError):
        services.email_set_kind(email=email, kind="outro", confidence=1.5)


def test_default_mailbox_from_imap_url(settings):
    settings.IMAP_URL = "imaps://sec%40ifes.edu.br:s3cr%3Ait@imap.example.org:993/Requests"
    mailbox = services.mailbox_ensure_default()
    assert (mailbox.host, mailbox.port, mailbox.security) == ("imap.example.org", 993, "ssl")
    assert mailbox.username == "sec@ifes.edu.br" and mailbox.folder == "Requests"
    assert mailbox.password_encrypted == ""  # the password stays in the environment
    config = services.mailbox_imap_config(mailbox)
    assert config.password == "s3cr:it"
    assert "s3cr" not in repr(config)


def test_default_mailbox_from_legacy_trio(settings):
    settings.IMAP_URL = ""
    settings.IMAP_LEGACY = {"host": "imap.gmail.com", "user": "a@b.c", "password": "pw"}
    mailbox = services.mailbox_ensure_default()
    config = services.mailbox_imap_config(mailbox)
    assert (config.host, config.port, config.security, config.username, config.password) == (
        "imap.gmail.com",
        993,
        "ssl",
        "a@b.c",
        "pw",
    )


def test_mailbox_password_is_encrypted(db):
    mailbox = Mailbox.objects.create(name="m", host="imap.example.org", username="u")
    services.mailbox_set_password(mailbox=mailbox, password="segredo-123")
    stored = Mailbox.objects.get(pk=mailbox.pk).password_encrypted
    assert stored and "segredo" not in stored
    assert services.mailbox_imap_config(mailbox).password == "segredo-123"


def test_clear_text_login_refused_to_remote_host(db):
    mailbox = Mailbox.objects.create(
        name="remote", host="imap.example.org", port=143, security="none", username="u"
    )
    result = services.mailbox_collect(mailbox=mailbox)
    assert "recusando enviar a senha sem criptografia" in result.error
    assert "recusando" in Mailbox.objects.get(pk=mailbox.pk).last_error
