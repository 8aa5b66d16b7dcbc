"""The SSH client against real sshd lab machines (testing/sshd.py)."""

import pytest

from acesso.identity import ReservedLogin
from acesso.ssh import (
    AccountOfAnotherPerson,
    HostKeyMismatch,
    HostKeyNotPinned,
    LabConnection,
    LabSshError,
    Resettable,
    SshCredentials,
    Target,
    fingerprint,
    read_host_key,
)
from acesso.tests.lab import logs_in


def _creds(network):
    return SshCredentials(
        user="labadmin", key_file=str(network.admin_private_key_path), use_sudo=True, timeout=5
    )


def _target(machine):
    return Target(machine.address, machine.port, machine.host_key_public)


def test_create_then_reset_on_one_machine_only(lab_network):
    first, second = lab_network.machines[:2]
    with LabConnection(_target(first), _creds(lab_network)) as lab:
        made = lab.ensure_account(
            login="maria.souza", full_name="Maria Souza", password="Kq7vP2mX9zLa"
        )
    assert made.status == "created" and made.uid >= 1000 and made.comment == "Maria Souza"
    assert logs_in(first, "maria.souza", "Kq7vP2mX9zLa")
    assert not logs_in(second, "maria.souza", "Kq7vP2mX9zLa")
    passwd = first.run_inside("getent", "passwd", "maria.souza").stdout
    assert ":/home/maria.souza:/bin/bash" in passwd and "Maria Souza" in passwd
    assert second.run_inside("getent", "passwd", "maria.souza").returncode != 0
    # the same person again (the caller names the account it made): a new password, not
    # a second account
    with LabConnection(_target(first), _creds(lab_network)) as lab:
        again = lab.ensure_account(
            login="maria.souza",
            full_name="Maria Souza",
            password="Nw8rT4bYc6Hs",
            resettable=Resettable(made.uid, made.comment),
        )
    assert (again.status, again.uid) == ("reset", made.uid)
    assert logs_in(first, "maria.souza", "Nw8rT4bYc6Hs")
    assert not logs_in(first, "maria.souza", "Kq7vP2mX9zLa")
    assert first.run_inside("grep", "-c", "^maria.souza:", "/etc/passwd").stdout.strip() == "1"


def test_force_change_at_first_login(lab_network):
    machine = lab_network.machines[0]
    with LabConnection(_target(machine), _creds(lab_network)) as lab:
        lab.ensure_account(
            login="ana.lima", full_name="Ana Lima", password="Kq7vP2mX9zLa", force_change=True
        )
    assert "password must be changed" in machine.run_inside("chage", "-l", "ana.lima").stdout


def test_hostile_input_never_reaches_a_shell(lab_network):
    machine = lab_network.machines[0]
    with LabConnection(_target(machine), _creds(lab_network)) as lab:
        with pytest.raises(ValueError):
            lab.ensure_account(login="x; touch /tmp/pwned", full_name="x", password="Abc123def456")
        lab.ensure_account(
            login="joao.davila",
            full_name="João D'Ávila; $(touch /tmp/pwned)",
            password="Abc123def456",
        )
    assert machine.run_inside("test", "-e", "/tmp/pwned").returncode != 0
    assert "Joao D'Avila" in machine.run_inside("getent", "passwd", "joao.davila").stdout


def test_changed_host_key_is_refused(lab_network):
    first, second = lab_network.machines[:2]
    wrong = Target(first.address, first.port, second.host_key_public)
    with (
        pytest.raises(HostKeyMismatch, match="a chave do host mudou"),
        LabConnection(wrong, _creds(lab_network)),
    ):
        pass
    unpinned = Target(first.address, first.port, "")
    with pytest.raises(HostKeyNotPinned), LabConnection(unpinned, _creds(lab_network)):
        pass


def test_read_host_key_for_trusting(lab_network):
    machine = lab_network.machines[0]
    key = read_host_key(machine.address, machine.port)
    assert key.split()[:2] == machine.host_key_public.split()[:2]
    assert fingerprint(key) == machine.host_key_fingerprint


def test_unreachable_machine_fails_fast(lab_network):
    address = lab_network.add_unreachable()
    target = Target(address, lab_network.port, lab_network.machines[0].host_key_public)
    with pytest.raises(LabSshError, match=address), LabConnection(target, _creds(lab_network)):
        pass


def _shadow(machine, login):
    return machine.run_inside("getent", "shadow", login).stdout


def test_reserved_logins_never_reach_the_machine(lab_network):
    machine = lab_network.machines[0]
    root_before = _shadow(machine, "root")
    with LabConnection(_target(machine), _creds(lab_network)) as lab:
        for login in ("root", "daemon", "nobody", "sshd", "labadmin"):
            with pytest.raises(ReservedLogin):
                lab.ensure_account(login=login, full_name="Root da", password="Kq7vP2mX9zLa")
    assert _shadow(machine, "root") == root_before
    assert not logs_in(machine, "root", "Kq7vP2mX9zLa")


def test_the_administrator_login_is_refused_whatever_its_name(lab_network):
    machine = lab_network.machines[0]
    machine.run_inside("useradd", "--create-home", "--comment", "Lab Master", "labmaster")
    creds = SshCredentials(
        user="labmaster", key_file=str(lab_network.admin_private_key_path), timeout=5
    )
    # labmaster has no key on the machine: log in as labadmin, then check as if mailflow
    # were configured to log in as labmaster
    with LabConnection(_target(machine), _creds(lab_network)) as lab:
        lab.credentials = creds
        with pytest.raises(ReservedLogin):
            lab.ensure_account(login="labmaster", full_name="Lab Master", password="Kq7vP2mX9zLa")


def test_an_account_of_another_person_is_never_touched(lab_network):
    machine = lab_network.machines[0]
    machine.run_inside("useradd", "--create-home", "--comment", "Maria Souza Lima", "maria.souza")
    machine.run_inside("sh", "-c", "echo 'maria.souza:Hers4ndOnlyHers' | chpasswd")
    before = _shadow(machine, "maria.souza")
    with (
        LabConnection(_target(machine), _creds(lab_network)) as lab,
        pytest.raises(AccountOfAnotherPerson) as refused,
    ):
        lab.ensure_account(login="maria.souza", full_name="Maria Souza", password="Kq7vP2mX9zLa")
    assert "a conta já existe e não foi criada pelo mailflow" in str(refused.value)
    assert _shadow(machine, "maria.souza") == before
    assert logs_in(machine, "maria.souza", "Hers4ndOnlyHers")
    assert not logs_in(machine, "maria.souza", "Kq7vP2mX9zLa")


def test_a_system_account_with_the_same_name_is_never_touched(lab_network):
    # same comment as mailflow would write, but a system uid (< 1000)
    machine = lab_network.machines[0]
    machine.run_inside("useradd", "--system", "--comment", "Backup Robot", "backup.robot")
    before = _shadow(machine, "backup.robot")
    uid = int(machine.run_inside("id", "-u", "backup.robot").stdout)
    with (
        LabConnection(_target(machine), _creds(lab_network)) as lab,
        pytest.raises(AccountOfAnotherPerson),
    ):
        # even named as resettable: a system account is never a student's
        lab.ensure_account(
            login="backup.robot",
            full_name="Backup Robot",
            password="Kq7vP2mX9zLa",
            resettable=Resettable(uid, "Backup Robot"),
        )
    assert _shadow(machine, "backup.robot") == before


def test_an_account_made_by_hand_for_the_same_name_is_never_reset(lab_network):
    # uid >= 1000 and the very comment mailflow would write: still not mailflow's
    machine = lab_network.machines[0]
    machine.run_inside("useradd", "--create-home", "--comment", "Joao D'Avila,,,", "joao.davila")
    machine.run_inside("sh", "-c", "echo 'joao.davila:His0wnPassw0rd' | chpasswd")
    before = _shadow(machine, "joao.davila")
    with (
        LabConnection(_target(machine), _creds(lab_network)) as lab,
        pytest.raises(AccountOfAnotherPerson) as refused,
    ):
        lab.ensure_account(login="joao.davila", full_name="João D'Ávila", password="Kq7vP2mX9zLa")
    assert refused.value.entry.uid >= 1000 and refused.value.entry.full_name == "Joao D'Avila"
    assert _shadow(machine, "joao.davila") == before
    assert logs_in(machine, "joao.davila", "His0wnPassw0rd")


def test_a_resettable_account_with_another_uid_is_not_the_one(lab_network):
    machine = lab_network.machines[0]
    machine.run_inside("useradd", "--create-home", "--comment", "Ana Lima", "ana.lima")
    uid = int(machine.run_inside("id", "-u", "ana.lima").stdout)
    with LabConnection(_target(machine), _creds(lab_network)) as lab:
        with pytest.raises(AccountOfAnotherPerson):
            lab.ensure_account(
                login="ana.lima",
                full_name="Ana Lima",
                password="Kq7vP2mX9zLa",
                resettable=Resettable(uid + 1, "Ana Lima"),
            )
        reset = lab.ensure_account(
            login="ana.lima",
            full_name="Ana Lima",
            password="Kq7vP2mX9zLa",
            resettable=Resettable(uid, "Ana Lima"),
        )
    assert reset.status == "reset"
    assert logs_in(machine, "ana.lima", "Kq7vP2mX9zLa")
