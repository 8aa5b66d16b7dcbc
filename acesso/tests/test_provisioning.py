"""Provisioning against real sshd lab machines (testing/sshd.py) and PostgreSQL."""

import logging

import pytest
from django.db import connection
from django.utils import timezone

from acesso import selectors, services
from acesso.models import AccessRequest, LabAccount, LabHost, Provisioning
from acesso.tests.lab import logs_in, trust_lab
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(lab_network, settings):
    return trust_lab(lab_network, settings, sudo=True)


def _approved(name="Maria Souza", login="maria.souza", email="maria@aluno.ifes.edu.br"):
    # as access_approve leaves it: authorised, with the identity the coordinator saw
    return AccessRequest.objects.create(
        student_name=name,
        student_email=email,
        login=login,
        status=AccessRequest.Status.APPROVED,
        approved_student_name=name,
        approved_student_email=email,
        approved_login=login,
    )


@pytest.fixture
def coordinator(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("coord", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="decide_accessrequest"))
    return django_user_model.objects.get(pk=user.pk)


def test_account_on_every_machine_with_one_password(lab, caplog):
    caplog.set_level(logging.DEBUG)
    request = _approved()
    rows = services.access_provision(request=request)
    assert {r.status for r in rows} == {"created"}
    request.refresh_from_db()
    assert request.status == "provisioned"
    password = services.access_password(request=request)
    assert len(password) >= 12
    for machine in lab.machines:
        assert logs_in(machine, "maria.souza", password)
    # the password is in no log line and in no column in clear
    assert password not in caplog.text
    with connection.cursor() as cursor:
        for table in (
            "acesso_accessrequest",
            "acesso_provisioning",
            "acesso_accessstatuschange",
            "acesso_labhost",
        ):
            cursor.execute(f"SELECT * FROM {table}")
            assert password not in repr(cursor.fetchall())


def test_one_machine_down_then_retry_completes(lab):
    down = lab.machines[1]
    down.stop()
    request = _approved()
    services.access_provision(request=request)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    results = {p.host.address: p for p in request.provisionings.select_related("host")}
    assert results[down.address].status == "failed" and down.address in results[down.address].error
    assert {results[m.address].status for m in (lab.machines[0], lab.machines[2])} == {"created"}
    assert LabHost.objects.get(address=down.address).last_error
    down.start()
    retried = services.access_retry(request=request)
    assert [r.host.address for r in retried] == [down.address]
    request.refresh_from_db()
    assert request.status == "provisioned"
    password = services.access_password(request=request)
    assert all(logs_in(m, "maria.souza", password) for m in lab.machines)


def test_same_person_again_resets_the_password(lab):
    first = _approved()
    services.access_provision(request=first)
    again = _approved()
    rows = services.access_provision(request=again)
    assert {r.status for r in rows} == {"reset"}
    new_password = services.access_password(request=again)
    assert new_password != services.access_password(request=first)
    machine = lab.machines[0]
    assert logs_in(machine, "maria.souza", new_password)
    assert machine.run_inside("grep", "-c", "^maria.souza:", "/etc/passwd").stdout.strip() == "1"


def test_changed_host_key_is_refused_with_a_clear_error(lab):
    host = LabHost.objects.get(address=lab.machines[0].address)
    host.host_key = lab.machines[1].host_key_public
    host.save()
    request = _approved()
    services.access_provision(request=request)
    row = request.provisionings.get(host=host)
    assert row.status == "failed" and "a chave do host mudou" in row.error
    assert lab.machines[0].run_inside("getent", "passwd", "maria.souza").returncode != 0


def test_trusting_a_host_key(lab):
    host = LabHost.objects.get(address=lab.machines[0].address)
    host.host_key = ""
    host.save()
    fingerprint = services.lab_host_trust_key(host=host)
    assert fingerprint == lab.machines[0].host_key_fingerprint
    assert LabHost.objects.get(pk=host.pk).host_key_fingerprint == fingerprint


def test_dry_run_host_records_commands_with_the_password_masked(db, settings):
    settings.MAILFLOW_LAB_SSH_USER = ""
    LabHost.objects.create(name="trial", address="192.0.2.10", dry_run=True)
    request = _approved(name="João D'Ávila", login="joao.davila")
    [row] = services.access_provision(request=request)
    password = services.access_password(request=request)
    assert row.status == "created"
    assert "useradd --create-home --shell /bin/bash --comment 'Joao D'\"'\"'Avila' joao.davila" in (
        row.commands
    )
    assert "joao.davila:********" in row.commands and password not in row.commands


def test_no_active_host_is_a_clear_error(db):
    with pytest.raises(services.AccessError, match="não há computador do laboratório ativo"):
        services.access_provision(request=_approved())


def test_invalid_login_never_reaches_a_host(db):
    LabHost.objects.create(name="trial", address="192.0.2.10", dry_run=True)
    request = _approved(login="x; rm -rf /")
    with pytest.raises(ValueError):
        services.access_provision(request=request)
    assert not Provisioning.objects.exists()


def test_admin_trust_key_and_per_host_results(lab, admin_client):
    from django.urls import reverse

    host = LabHost.objects.get(address=lab.machines[0].address)
    host.host_key = ""
    host.save()
    response = admin_client.post(
        reverse("admin:acesso_labhost_changelist"),
        {"action": "trust_host_key", "_selected_action": [host.pk]},
        follow=True,
    )
    assert lab.machines[0].host_key_fingerprint in response.content.decode()
    lab.machines[2].stop()
    request = _approved()
    services.access_provision(request=request)
    page = admin_client.get(
        reverse("admin:acesso_accessrequest_change", args=[request.pk])
    ).content.decode()
    assert "Falha na criação das contas" in page or "provisioning_failed" in page
    lab.machines[2].start()
    admin_client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "retry_failed_hosts", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == "provisioned"


def test_connection_test_records_contact_and_errors(lab):
    good = LabHost.objects.get(address=lab.machines[0].address)
    services.lab_host_test(host=good)
    good.refresh_from_db()
    assert good.last_contact and good.last_error == ""
    lab.machines[1].stop()
    down = LabHost.objects.get(address=lab.machines[1].address)
    with pytest.raises(services.ssh.LabSshError):
        services.lab_host_test(host=down)
    assert lab.machines[1].address in LabHost.objects.get(pk=down.pk).last_error


def test_send_anyway_needs_a_failed_request_with_some_success(lab):
    request = _approved()
    with pytest.raises(services.AccessError):
        services.access_send_anyway(request=request, actor=None)  # not failed
    for machine in lab.machines:
        machine.stop()
    services.access_provision(request=request)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    with pytest.raises(services.AccessError):
        services.access_send_anyway(request=request, actor=None)  # nothing worked
    lab.machines[0].start()
    services.access_retry(request=request)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    password = services.access_password(request=request)
    services.access_send_anyway(request=request, actor=None)
    request.refresh_from_db()
    assert request.status == "credentials_queued"
    # the outbox sends them (as its worker would): the request is answered
    OutboundMessage.objects.filter(purpose="credentials").update(
        status="sent", sent_at=timezone.now(), secrets_encrypted=""
    )
    assert selectors.finish_due() == [request.pk]
    services.access_finish(request.pk)
    request.refresh_from_db()
    assert request.status == "sent"
    # the computers that failed still need the password the student got: kept, encrypted
    assert request.password_encrypted and password not in request.password_encrypted
    for machine in lab.machines[1:]:
        machine.start()
    services.access_retry(request=request)
    request.refresh_from_db()
    assert request.status == "provisioned"
    assert all(logs_in(m, "maria.souza", password) for m in lab.machines)
    # every computer has it now: the request forgets the password; the credentials (the
    # same message, already sent) do not go again, and the request is answered at once
    services.access_send_credentials(request=request)
    request.refresh_from_db()
    assert request.status == "sent" and request.password_encrypted == ""
    assert OutboundMessage.objects.filter(purpose="credentials").count() == 1


def test_a_reserved_login_fails_the_request_and_reaches_no_host(lab, coordinator):
    roots = [m.run_inside("getent", "shadow", "root").stdout for m in lab.machines]
    request = _approved(name="Root da", login="root")
    assert services.access_provision(request=request) == []
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    note = request.status_changes.order_by("-id").first().note
    assert "o login “root” pertence ao sistema" in note
    assert not request.provisionings.exists()
    assert [m.run_inside("getent", "shadow", "root").stdout for m in lab.machines] == roots
    # the coordinator chooses another login and retries: every computer gets it
    services.access_identity_update(
        request=request, changes={"login": "rootildo.da"}, actor=coordinator
    )
    services.access_retry(request=request)
    request.refresh_from_db()
    assert request.status == "provisioned"


def test_the_configured_administrator_is_never_a_students_login(lab, settings):
    settings.MAILFLOW_LAB_SSH_USER = "labadmin"
    with pytest.raises(services.identity.ReservedLogin):
        services.login_validate("labadmin")
    settings.MAILFLOW_LAB_SSH_USER = "coordlab"
    with pytest.raises(services.identity.ReservedLogin):
        services.login_validate("coordlab")


def test_another_persons_account_on_one_computer_fails_that_computer_only(lab):
    taken = lab.machines[0]
    taken.run_inside("useradd", "--create-home", "--comment", "Maria Souza Lima", "maria.souza")
    before = taken.run_inside("getent", "shadow", "maria.souza").stdout
    request = _approved()
    services.access_provision(request=request)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    results = {p.host.address: p for p in request.provisionings.select_related("host")}
    assert results[taken.address].status == "failed"
    assert "a conta já existe e não foi criada pelo mailflow" in results[taken.address].error
    assert {results[m.address].status for m in lab.machines[1:]} == {"created"}
    assert taken.run_inside("getent", "shadow", "maria.souza").stdout == before
    assert "Maria Souza Lima" in taken.run_inside("getent", "passwd", "maria.souza").stdout


def test_a_rerun_for_the_same_person_still_resets(lab):
    first = _approved()
    services.access_provision(request=first)
    # every account mailflow made is recorded, with its uid, for the request
    accounts = LabAccount.objects.filter(login="maria.souza").order_by("host__name")
    assert [(a.host.name, a.request_id) for a in accounts] == [
        ("lab-01", first.pk),
        ("lab-02", first.pk),
        ("lab-03", first.pk),
    ]
    assert all(a.uid >= 1000 and a.comment == "Maria Souza" for a in accounts)
    # the same student (address and name, whatever their case and spacing) asks again
    again = _approved(name="maria  souza", email="Maria@aluno.ifes.edu.br")
    services.access_provision(request=again)
    again.refresh_from_db()
    assert again.status == "provisioned"
    assert {p.status for p in again.provisionings.all()} == {"reset"}
    assert logs_in(lab.machines[0], "maria.souza", services.access_password(request=again))


def test_the_same_name_from_another_address_is_not_the_same_person(lab):
    first = _approved()
    services.access_provision(request=first)
    password = services.access_password(request=first)
    stranger = _approved(email="maria.souza@gmail.example")
    services.access_provision(request=stranger)
    stranger.refresh_from_db()
    assert stranger.status == "provisioning_failed"
    errors = {p.error for p in stranger.provisionings.all()}
    assert all(
        "a conta já existe e foi criada pelo mailflow para outra pessoa" in e for e in errors
    )
    assert all(logs_in(m, "maria.souza", password) for m in lab.machines)


def test_an_account_made_again_by_hand_is_not_the_one_mailflow_made(lab):
    first = _approved()
    services.access_provision(request=first)
    machine = lab.machines[0]
    # the administrator removed it and made another maria.souza by hand
    machine.run_inside("userdel", "--remove", "maria.souza")
    machine.run_inside("useradd", "--create-home", "--comment", "Maria S. Lima", "maria.souza")
    machine.run_inside("sh", "-c", "echo 'maria.souza:Hers4ndOnlyHers' | chpasswd")
    again = _approved()
    services.access_provision(request=again)
    row = again.provisionings.get(host__address=machine.address)
    assert row.status == "failed"
    assert "a conta já existe e não foi criada pelo mailflow" in row.error
    assert logs_in(machine, "maria.souza", "Hers4ndOnlyHers")
