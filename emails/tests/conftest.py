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


@pytest.fixture
def another_collection():
    """Makes another run hold a mailbox as a real one does: on PostgreSQL its advisory lock,
    taken on a database connection of its own; on SQLite its lease on the row. Call the
    result with the mailbox; call what it returns to let go."""
    from datetime import timedelta

    from django.db import connection, connections
    from django.utils import timezone

    from emails import services

    held = []

    def hold(mailbox: Mailbox):
        if connection.vendor == "postgresql":
            other = connections.create_connection("default")
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [services._lock_key(mailbox)])
            held.append(other)

            def let_go():
                with other.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [services._lock_key(mailbox)])

            return let_go
        Mailbox.objects.filter(pk=mailbox.pk).update(
            lock_token="another-run", locked_until=timezone.now() + timedelta(minutes=10)
        )
        return lambda: Mailbox.objects.filter(pk=mailbox.pk).update(
            lock_token="", locked_until=None
        )

    yield hold
    for other in held:
        other.close()
