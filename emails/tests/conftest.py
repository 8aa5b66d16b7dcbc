import pytest

from emails.models import Mailbox


@pytest.fixture
def maildir_mailbox(tmp_path, db):
    import mailbox

    path = tmp_path / "Maildir"
    mailbox.Maildir(path, create=True)
    return Mailbox.objects.create(
        name="local", protocol=Mailbox.Protocol.MAILDIR, maildir_path=str(path)
    )


@pytest.fixture
def imap_mailbox(dovecot_server, imap_account, db):
    """A mailbox row pointing at a fresh Dovecot account (plain IMAP on loopback)."""
    from emails import services

    mailbox = Mailbox.objects.create(
        name=f"imap-{imap_account.user}",
        protocol=Mailbox.Protocol.IMAP,
        host=dovecot_server.host,
        port=dovecot_server.port,
        security=Mailbox.Security.NONE,
        username=imap_account.user,
    )
    services.mailbox_set_password(mailbox=mailbox, password=imap_account.password)
    return mailbox
