"""The SSH client against real sshd lab machines (testing/sshd.py)."""

import pytest

from acesso.ssh import (
    HostKeyMismatch,
    HostKeyNotPinned,
    LabConnection,
    LabSshError,
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
        assert (
            lab.ensure_account(
                login="maria.souza", full_name="Maria Souza", password="Kq7vP2mX9zLa"
            )
            == "created"
        )
    assert logs_in(first, "maria.souza", "Kq7vP2mX9zLa")
    assert not logs_in(second, "maria.souza", "Kq7vP2mX9zLa")
    passwd = first.run_inside("getent", "passwd", "maria.souza").stdout
    assert ":/home/maria.souza:/bin/bash" in passwd and "Maria Souza" in passwd
    assert second.run_inside("getent", "passwd", "maria.souza").returncode != 0
    # the same person again: a new password, not a second account
    with LabConnection(_target(first), _creds(lab_network)) as lab:
        assert (
            lab.ensure_account(
                login="maria.souza", full_name="Maria Souza", password="Nw8rT4bYc6Hs"
            )
            == "reset"
        )
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
