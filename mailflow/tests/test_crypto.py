"""Stored secrets: their own key, several keys for a rotation, and the rotation command."""

import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from acesso import services as access_services
from acesso.models import AccessRequest
from emails import services as email_services
from emails.models import Mailbox
from mailflow import crypto
from sender import services as outbox_services
from sender.models import OutboundMessage

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_A
    token = crypto.encrypt("senha-da-caixa")
    settings.MAILFLOW_ENCRYPTION_KEY = f" {KEY_B} , {KEY_A} "
    assert crypto.decrypt(token) == "senha-da-caixa"
    assert not crypto.is_current(token)
    assert Fernet(KEY_B.encode()).decrypt(crypto.encrypt("x").encode()) == b"x"
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_B
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token)


def test_the_key_derived_from_secret_key_decrypts_only_in_a_trial_or_debug(settings):
    """Trial databases of older versions keep their passwords; production never reads with
    a key a leaked SECRET_KEY gives away."""
    old = Fernet(crypto.legacy_key().encode()).encrypt(b"senha-antiga").decode()
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_A
    settings.DEBUG, settings.MAILFLOW_TRIAL = False, False
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(old)
    settings.MAILFLOW_TRIAL = True
    assert crypto.decrypt(old) == "senha-antiga"
    settings.MAILFLOW_TRIAL, settings.DEBUG = False, True
    assert crypto.decrypt(old) == "senha-antiga"
    # and never encrypts with it
    assert Fernet(KEY_A.encode()).decrypt(crypto.encrypt("nova").encode()) == b"nova"


def test_no_key_outside_a_trial_stores_nothing(settings):
    settings.MAILFLOW_ENCRYPTION_KEY = ""
    with pytest.raises(Exception, match="MAILFLOW_ENCRYPTION_KEY is not set"):
        crypto.encrypt("senha")


def test_the_checks_ask_for_a_key_in_production_only(settings):
    from mailflow.checks import encryption_key_configured

    settings.MAILFLOW_ENCRYPTION_KEY = ""
    settings.DEBUG, settings.MAILFLOW_TRIAL = False, False
    [error] = encryption_key_configured(None)
    assert error.id == "mailflow.E010"
    assert "Fernet.generate_key()" in error.hint and "generate_encryption_key" in error.hint
    settings.MAILFLOW_TRIAL = True
    assert encryption_key_configured(None) == []
    settings.MAILFLOW_ENCRYPTION_KEY = f"{KEY_A},abc"
    [error] = encryption_key_configured(None)
    assert error.id == "mailflow.E011" and "key 2 of 2" in error.msg


def test_generate_encryption_key(capsys, settings):
    call_command("generate_encryption_key")
    [key] = capsys.readouterr().out.split()
    Fernet(key.encode())
    call_command("generate_encryption_key", "--with-legacy")
    new, legacy = capsys.readouterr().out.strip().split(",")
    assert new != key and legacy == crypto.legacy_key()


def _secrets() -> tuple[Mailbox, AccessRequest, OutboundMessage]:
    mailbox = Mailbox.objects.create(name="m", host="127.0.0.1", username="u", security="none")
    email_services.mailbox_set_password(mailbox=mailbox, password="senha-imap")
    access = AccessRequest.objects.create(
        student_name="Maria Souza", student_email="maria@aluno.ifes.edu.br", login="maria.souza"
    )
    access_services.access_password(request=access)
    message = outbox_services.outbound_compose(
        email=None,
        purpose="credentials",
        case_key="access-test",
        to="maria@aluno.ifes.edu.br",
        subject="Acesso",
        body_text="Sua senha: " + outbox_services.SECRET_TOKEN.format(name="password"),
        secrets={"password": "Segredo-Forte-1"},
    )
    return mailbox, access, message


def _read(mailbox, access, message) -> tuple[str, str, str]:
    mailbox.refresh_from_db()
    access.refresh_from_db()
    message.refresh_from_db()
    return (
        crypto.decrypt(mailbox.password_encrypted),
        crypto.decrypt(access.password_encrypted),
        json.loads(crypto.decrypt(message.secrets_encrypted))["password"],
    )


@pytest.mark.django_db
def test_rotation_moves_every_stored_secret_to_the_new_key(settings, capsys):
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_A
    rows = _secrets()
    before = _read(*rows)
    assert before[0] == "senha-imap" and before[2] == "Segredo-Forte-1"

    settings.MAILFLOW_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    call_command("rotate_encryption_key", "--batch-size", "1")
    out = capsys.readouterr().out
    assert "mailbox passwords: 1 re-encrypted, 0 already with the first key" in out
    assert "lab passwords: 1 re-encrypted" in out
    assert "outgoing message secrets: 1 re-encrypted" in out

    # again: nothing left to do
    call_command("rotate_encryption_key")
    assert "mailbox passwords: 0 re-encrypted, 1 already with the first key" in (
        capsys.readouterr().out
    )

    settings.MAILFLOW_ENCRYPTION_KEY = KEY_B
    assert _read(*rows) == before


@pytest.mark.django_db
def test_an_unreadable_secret_is_reported_and_nothing_is_lost(settings, capsys):
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_A
    mailbox, access, message = _secrets()
    lost = Fernet(Fernet.generate_key()).encrypt(b"chave-perdida").decode()
    Mailbox.objects.filter(pk=mailbox.pk).update(password_encrypted=lost)

    settings.MAILFLOW_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    with pytest.raises(CommandError, match="1 stored secret"):
        call_command("rotate_encryption_key")
    captured = capsys.readouterr()
    assert f"emails.Mailbox id {mailbox.pk} (password_encrypted)" in captured.err
    assert "mailbox passwords: 0 re-encrypted, 0 already with the first key, 1 unreadable" in (
        captured.out
    )
    mailbox.refresh_from_db()
    assert mailbox.password_encrypted == lost  # left as it was
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_B  # the readable ones did move
    access.refresh_from_db()
    message.refresh_from_db()
    crypto.decrypt(access.password_encrypted)
    crypto.decrypt(message.secrets_encrypted)


@pytest.mark.django_db
def test_rotation_in_a_trial_moves_secrets_off_the_key_derived_from_secret_key(settings):
    settings.MAILFLOW_ENCRYPTION_KEY = KEY_A
    settings.MAILFLOW_TRIAL = True
    mailbox = Mailbox.objects.create(
        name="m",
        host="127.0.0.1",
        username="u",
        security="none",
        password_encrypted=Fernet(crypto.legacy_key().encode()).encrypt(b"antiga").decode(),
    )
    call_command("rotate_encryption_key")
    settings.MAILFLOW_TRIAL = False
    mailbox.refresh_from_db()
    assert crypto.decrypt(mailbox.password_encrypted) == "antiga"
