"""Writes of the demo: the trial's users, mailbox, sample mail and lab computers."""

from __future__ import annotations

import mailbox as mailbox_lib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from acesso.models import LabHost
from emails.models import Mailbox

# The sample requests, one .eml per message (see data/README.md).
MAIL_DIR = Path(__file__).resolve().parent / "data" / "mail"
MAILBOX_NAME = "demo"


@dataclass(frozen=True)
class StaffAccount:
    username: str
    group: str
    first_name: str
    last_name: str
    email: str
    superuser: bool = False


STAFF = [
    # The roles as in production: the secretary cannot authorise lab access.
    StaffAccount("secretaria", "Secretaria", "Secretaria", "PPComp", "secretaria@ppcomp.example"),
    StaffAccount(
        "coordenacao", "Coordenação", "Coordenação", "PPComp", "coordenacao@ppcomp.example"
    ),
]
# Dry-run lab computers (addresses from TEST-NET-1, RFC 5737: they reach nothing).
LAB_HOSTS = [("lab-pesquisa-01", "192.0.2.11"), ("lab-pesquisa-02", "192.0.2.12")]


@dataclass
class SeedResult:
    # (username, password) of the users created now; the only time a password is known.
    created_users: list[tuple[str, str]] = field(default_factory=list)
    existing_users: list[str] = field(default_factory=list)
    # Groups that have no permission yet (the staff app's migration gives them theirs).
    groups_without_permissions: list[str] = field(default_factory=list)
    mailbox_created: bool = False
    maildir: Path | None = None
    messages_written: int = 0
    lab_hosts_created: int = 0


def demo_messages() -> list[Path]:
    return sorted(MAIL_DIR.glob("*.eml"))


@transaction.atomic
def demo_seed(*, maildir: Path | None = None) -> SeedResult:
    """Create what the trial needs; a second run finds it all and creates nothing."""
    result = SeedResult()
    for account in STAFF:
        _staff_ensure(account, result)
    maildir = Path(maildir or settings.MAILFLOW_DEMO_MAILDIR)
    result.maildir = maildir
    result.messages_written = demo_maildir_fill(path=maildir)
    _mailbox, result.mailbox_created = _mailbox_ensure(maildir)
    for name, address in LAB_HOSTS:
        _host, created = LabHost.objects.get_or_create(
            name=name, defaults={"address": address, "dry_run": True}
        )
        result.lab_hosts_created += created
    return result


def _staff_ensure(account: StaffAccount, result: SeedResult) -> None:
    User = get_user_model()
    group, _created = Group.objects.get_or_create(name=account.group)
    if not group.permissions.exists():
        result.groups_without_permissions.append(account.group)
    user = User.objects.filter(username=account.username).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=account.username,
            email=account.email,
            password=password,
            first_name=account.first_name,
            last_name=account.last_name,
            is_staff=True,
            is_superuser=account.superuser,
        )
        result.created_users.append((account.username, password))
    else:
        result.existing_users.append(account.username)
    user.groups.add(group)


def _mailbox_ensure(maildir: Path) -> tuple[Mailbox, bool]:
    mailbox, created = Mailbox.objects.get_or_create(
        name=MAILBOX_NAME,
        defaults={"protocol": Mailbox.Protocol.MAILDIR, "maildir_path": str(maildir)},
    )
    if not created and mailbox.maildir_path != str(maildir):
        # The var/ folder moved: the demo mailbox follows it (its mail is known by key).
        Mailbox.objects.filter(pk=mailbox.pk).update(maildir_path=str(maildir))
    return mailbox, created


def demo_maildir_fill(*, path: Path) -> int:
    """Put each sample message in the Maildir under a fixed key (its file name), unless it
    is there already (in new/, or in cur/ once a mail client read it). Returns how many
    were written."""
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = mailbox_lib.Maildir(path, create=False)
    present = set(folder.keys())
    written = 0
    for source in demo_messages():
        key = source.stem
        if key in present:
            continue
        # Maildir delivery: written in tmp/, then renamed into new/.
        fd, partial = tempfile.mkstemp(dir=path / "tmp", prefix=f"{key}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(source.read_bytes())
        os.replace(partial, path / "new" / key)
        written += 1
    return written
