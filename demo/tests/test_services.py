"""seed_demo: what it creates, and that a second run creates nothing."""

import ipaddress
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from acesso.models import LabHost
from demo import services
from emails import services as email_services
from emails.models import Email, Mailbox

pytestmark = pytest.mark.django_db
User = get_user_model()
TEST_NET_1 = ipaddress.ip_network("192.0.2.0/24")


def seed_output() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_password(output: str, username: str) -> str:
    match = re.search(rf"\b{username} / (\S+)", output)
    assert match, output
    return match.group(1)


def test_seed_creates_the_staff_with_random_passwords_printed_once(trial):
    output = seed_output()

    secretaria = User.objects.get(username="secretaria")
    coordenacao = User.objects.get(username="coordenacao")
    assert list(secretaria.groups.values_list("name", flat=True)) == ["Secretaria"]
    assert list(coordenacao.groups.values_list("name", flat=True)) == ["Coordenação"]
    assert secretaria.is_staff and not secretaria.is_superuser and secretaria.is_active
    assert coordenacao.is_staff and not coordenacao.is_superuser
    # The coordinator's role comes from the group (the staff app's migration).
    assert coordenacao.has_perm("acesso.decide_accessrequest")
    passwords = {
        user.username: printed_password(output, user.username) for user in (secretaria, coordenacao)
    }
    for user in (secretaria, coordenacao):
        password = passwords[user.username]
        assert user.check_password(password)
        assert len(password) >= 16 and password not in {user.username, "admin", "password"}
    assert passwords["secretaria"] != passwords["coordenacao"]

    again = seed_output()
    assert passwords["secretaria"] not in again and passwords["coordenacao"] not in again
    assert User.objects.get(username="secretaria").check_password(passwords["secretaria"])


def test_seed_passwords_differ_from_one_installation_to_the_next(trial):
    first = printed_password(seed_output(), "secretaria")
    User.objects.all().delete()
    second = printed_password(seed_output(), "secretaria")
    assert first != second


def test_seed_creates_the_mailbox_the_sample_mail_and_dry_run_lab(trial):
    result = services.demo_seed()

    mailbox = Mailbox.objects.get(name="demo")
    assert mailbox.protocol == Mailbox.Protocol.MAILDIR
    assert mailbox.maildir_path == str(trial / "demo-maildir") and mailbox.active
    written = sorted(p.name for p in (trial / "demo-maildir" / "new").iterdir())
    assert written == [p.stem for p in services.demo_messages()]
    assert len(written) == result.messages_written == 10
    hosts = list(LabHost.objects.order_by("name"))
    assert [h.name for h in hosts] == ["lab-pesquisa-01", "lab-pesquisa-02"]
    assert all(h.dry_run and h.active for h in hosts)
    assert all(ipaddress.ip_address(h.address) in TEST_NET_1 for h in hosts)


def test_seed_twice_duplicates_nothing(trial):
    services.demo_seed()
    hashes = dict(User.objects.values_list("username", "password"))
    maildir = trial / "demo-maildir"
    files = sorted(p.name for p in maildir.rglob("*") if p.is_file())

    result = services.demo_seed()

    assert result.created_users == [] and result.existing_users == ["secretaria", "coordenacao"]
    assert result.messages_written == 0 and not result.mailbox_created
    assert result.lab_hosts_created == 0
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert Mailbox.objects.filter(name="demo").count() == 1
    assert LabHost.objects.count() == 2
    assert sorted(p.name for p in maildir.rglob("*") if p.is_file()) == files


def test_a_message_put_back_is_not_collected_twice(trial):
    services.demo_seed()
    email_services.mailboxes_collect(name="demo")
    assert Email.objects.count() == 10
    (trial / "demo-maildir" / "new" / "05-acesso-aluna").unlink()

    assert services.demo_seed().messages_written == 1
    [result] = email_services.mailboxes_collect(name="demo")

    assert result.stored == 0 and not result.error
    assert Email.objects.count() == 10


def test_a_message_a_mail_client_read_is_not_written_again(trial):
    services.demo_seed()
    new = trial / "demo-maildir" / "new" / "08-outro-seminario"
    new.rename(trial / "demo-maildir" / "cur" / "08-outro-seminario:2,S")

    assert services.demo_seed().messages_written == 0
