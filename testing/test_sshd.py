"""Tests of the simulated lab machines (testing/sshd.py) and the ``lab_network`` fixture.

Real OpenSSH servers, each in its own mount namespace with a private /etc and /home, driven
with paramiko like the account provisioning feature will drive the real lab.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko
import pytest

from testing import fixtures
from testing.sshd import LabError, LabMachine, LabNetwork, lab_unavailable_reason

# Registers the fixtures when this file runs on its own (a no-op once the root conftest does).
pytest_plugins = ["testing.fixtures"]

NEW_USER = "maria.souza"
NEW_PASSWORD = "Senha-de-teste-7c1f"  # a throw-away password


def run(client: paramiko.SSHClient, command: str, stdin_text: str | None = None):
    """Run a command over SSH: (exit status, stdout, stderr)."""
    stdin, stdout, stderr = client.exec_command(command, timeout=30)
    if stdin_text is not None:
        stdin.write(stdin_text)
        stdin.channel.shutdown_write()
    out = stdout.read().decode()
    err = stderr.read().decode()
    return stdout.channel.recv_exit_status(), out, err


def pinned_client(known_hosts: Path) -> paramiko.SSHClient:
    """A client that trusts only the host keys in ``known_hosts``."""
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


def connect_kwargs(**extra) -> dict:
    return {"look_for_keys": False, "allow_agent": False, "timeout": 10, **extra}


def pgrep(pattern: str) -> list[str]:
    result = subprocess.run(
        ["pgrep", "-a", "-f", pattern], capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines()


def command_lines(pids: list[int]) -> list[str]:
    lines = []
    for pid in pids:
        with contextlib.suppress(OSError):
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return lines


def wait_for_command(machine: LabMachine, command: str) -> None:
    """Wait until a command started over SSH runs on the machine."""
    deadline = time.monotonic() + 5
    while not any(line.strip() == command for line in command_lines(machine.pids)):
        assert time.monotonic() < deadline, f"{command!r} did not start on {machine}"
        time.sleep(0.02)


def processes_in(namespaces: set[str]) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/mnt") in namespaces:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def file_state(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns


HOST_FILES = (
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/var/log/lastlog",
    "/var/log/faillog",
    "/var/log/wtmp",
    "/var/log/btmp",
    "/run/utmp",
)


# --------------------------------------------------------------------------------------------
# Host keys and the admin key


def test_admin_key_logs_in_to_every_machine_with_pinned_host_keys(lab_network, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(lab_network.known_hosts_text())
    assert len(lab_network.machines) == 3
    assert [m.address for m in lab_network.machines] == ["127.0.10.1", "127.0.10.2", "127.0.10.3"]
    assert {m.port for m in lab_network.machines} == {lab_network.port}
    assert len({m.host_key_public for m in lab_network.machines}) == 3

    for number, machine in enumerate(lab_network.machines, start=1):
        assert machine.host_key_public.startswith("ssh-ed25519 AAAA")
        assert f"[{machine.address}]:{machine.port} {machine.host_key_public}" in (
            known_hosts.read_text().splitlines()
        )
        with pinned_client(known_hosts) as client:
            client.connect(
                machine.address,
                port=machine.port,
                username="labadmin",
                pkey=lab_network.admin_private_key,
                **connect_kwargs(),
            )
            server_key = client.get_transport().get_remote_server_key()
            assert f"{server_key.get_name()} {server_key.get_base64()}" == machine.host_key_public
            status, out, err = run(client, "id -un; hostname; pwd; sudo -n id -u")
            assert status == 0, err
            assert out.split() == ["labadmin", f"lab-{number:02d}", "/home/labadmin", "0"]

    # The key file works as well (what code under test would be configured with).
    first = lab_network.machines[0]
    with pinned_client(known_hosts) as client:
        client.connect(
            first.address,
            port=first.port,
            username="labadmin",
            key_filename=str(lab_network.admin_private_key_path),
            **connect_kwargs(),
        )
        assert run(client, "true")[0] == 0
    assert lab_network.admin_private_key_path.stat().st_mode & 0o777 == 0o600


def test_host_key_fingerprint_is_what_ssh_keygen_prints(lab_network, tmp_path):
    for machine in lab_network.machines:
        pub = tmp_path / f"{machine.hostname}.pub"
        pub.write_text(machine.host_key_public + "\n")
        printed = subprocess.run(
            ["ssh-keygen", "-l", "-f", str(pub)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert printed[1] == machine.host_key_fingerprint
        assert machine.host_key_fingerprint.startswith("SHA256:")
        # The machine's own /etc/ssh has that key (as on a real machine).
        on_disk = (machine.etc_dir / "ssh" / "ssh_host_ed25519_key.pub").read_text()
        assert on_disk.startswith(machine.host_key_public)


def test_wrong_or_unknown_host_key_is_rejected(lab_network, tmp_path):
    first, second = lab_network.machines[:2]
    wrong = tmp_path / "wrong_known_hosts"
    wrong.write_text(f"[{first.address}]:{first.port} {second.host_key_public}\n")
    with pinned_client(wrong) as client, pytest.raises(paramiko.BadHostKeyException):
        client.connect(
            first.address,
            port=first.port,
            username="labadmin",
            pkey=lab_network.admin_private_key,
            **connect_kwargs(),
        )

    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    with (
        pinned_client(empty) as client,
        pytest.raises(paramiko.SSHException, match="not found in known_hosts"),
    ):
        client.connect(
            first.address,
            port=first.port,
            username="labadmin",
            pkey=lab_network.admin_private_key,
            **connect_kwargs(),
        )


def test_machine_etc_has_no_host_secrets_and_relaxed_pam(lab_network):
    for machine in lab_network.machines:
        common_auth = (machine.etc_dir / "pam.d" / "common-auth").read_text()
        assert re.search(r"^auth\s.*pam_unix\.so.*\bnodelay\b", common_auth, re.M)
        pam_sshd = (machine.etc_dir / "pam.d" / "sshd").read_text()
        assert not re.search(r"^session\s+required\s+pam_loginuid", pam_sshd, re.M)
        for line in (machine.etc_dir / "shadow").read_text().splitlines():
            user, password = line.split(":")[:2]
            assert password in ("*", "!", "!*"), f"{user} has a password hash on {machine}"
        host_keys = sorted(p.name for p in (machine.etc_dir / "ssh").glob("ssh_host_*"))
        assert host_keys == ["ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"]


# --------------------------------------------------------------------------------------------
# Provisioning stays on one machine


def test_account_created_over_ssh_exists_only_on_that_machine(lab_network):
    first, second, _ = lab_network.machines
    host_before = {path: file_state(path) for path in HOST_FILES}
    host_mounts_before = Path("/proc/self/mountinfo").read_text()

    with lab_network.connect(first) as client:
        status, _, err = run(client, f"sudo useradd -m -s /bin/bash {NEW_USER}")
        assert status == 0, err
        status, _, err = run(client, "sudo chpasswd", stdin_text=f"{NEW_USER}:{NEW_PASSWORD}\n")
        assert status == 0, err

    # On machine 1 only, as its private /etc and /home show.
    found = first.run_inside("getent", "passwd", NEW_USER)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split(":")[5:] == [f"/home/{NEW_USER}", "/bin/bash\n"]
    uid = int(found.stdout.split(":")[2])
    assert (first.home_dir / NEW_USER).stat().st_uid == uid
    assert f"\n{NEW_USER}:" in "\n" + (first.etc_dir / "passwd").read_text()
    assert second.run_inside("getent", "passwd", NEW_USER).returncode == 2
    assert not (second.home_dir / NEW_USER).exists()

    # Not on the host.
    with pytest.raises(KeyError):
        pwd.getpwnam(NEW_USER)
    assert NEW_USER not in Path("/etc/passwd").read_text()
    assert NEW_USER not in Path("/etc/shadow").read_text()
    assert not Path("/home", NEW_USER).exists()

    # The password set inside opens machine 1 (through its PAM), and nothing else.
    with lab_network.connect(first, NEW_USER, password=NEW_PASSWORD) as client:
        status, out, err = run(client, "id -un; pwd; hostname")
        assert status == 0, err
        assert out.split() == [NEW_USER, f"/home/{NEW_USER}", "lab-01"]
    with pytest.raises(paramiko.AuthenticationException):
        lab_network.connect(second, NEW_USER, password=NEW_PASSWORD).close()
    with pytest.raises(paramiko.AuthenticationException):
        lab_network.connect(first, NEW_USER, password="wrong-password").close()

    # Nothing on the host changed: no account files, no login records, no mounts.
    assert {path: file_state(path) for path in HOST_FILES} == host_before
    host_mounts = Path("/proc/self/mountinfo").read_text()
    assert host_mounts == host_mounts_before
    assert str(lab_network.workdir) not in host_mounts


def test_run_inside_sees_and_changes_only_that_machine(lab_network):
    first, second, _ = lab_network.machines
    result = first.run_inside("useradd", "-m", "joao.lima", check=True)
    assert result.returncode == 0
    assert first.run_inside("id", "-un", "joao.lima").stdout == "joao.lima\n"
    assert second.run_inside("id", "joao.lima").returncode != 0
    assert first.run_inside("hostname").stdout == "lab-01\n"
    assert second.run_inside("cat", "/etc/hostname").stdout == "lab-02\n"
    assert first.run_inside("sh", "-c", "cat >/root/note && cat /root/note", input="hi").stdout == (
        "hi"
    )
    assert second.run_inside("test", "-e", "/root/note").returncode == 1
    assert not Path("/root/note").exists()
    # Its own process list: sshd is PID 1, nothing of the host or the other machines.
    processes = first.run_inside("ps", "-e", "-o", "pid=,comm=").stdout.split("\n")
    assert processes[0].split() == ["1", "sshd"]
    assert not any("python" in line or "pytest" in line for line in processes)


# --------------------------------------------------------------------------------------------
# Unreachable machines, outages


def test_unreachable_address_refuses_connections_at_once(lab_network):
    address = lab_network.add_unreachable()
    assert address.startswith("127.0.10.")
    assert address not in lab_network.addresses
    assert lab_network.add_unreachable() not in (address, *lab_network.addresses)

    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, lab_network.port), timeout=5).close()
    with pytest.raises(paramiko.ssh_exception.NoValidConnectionsError):
        lab_network.connect(address).close()
    assert time.monotonic() - started < 1.0

    # The real machines are unaffected.
    with lab_network.connect(lab_network.machines[0]) as client:
        assert run(client, "hostname")[1] == "lab-01\n"


def test_unresponsive_address_hangs_until_the_client_timeout(lab_network):
    address = lab_network.add_unresponsive()
    started = time.monotonic()
    # paramiko reports the banner timeout as "Error reading SSH protocol banner" or, racing
    # with its own clean-up, "No existing session": both are SSHException.
    with pytest.raises(paramiko.SSHException):
        lab_network.connect(address, timeout=1).close()
    assert 0.9 < time.monotonic() - started < 5


def test_stop_refuses_connections_and_start_restores_the_same_machine(lab_network):
    machine: LabMachine = lab_network.machines[2]
    machine.run_inside("useradd", "-m", "ana.costa", check=True)
    client = lab_network.connect(machine)
    client.exec_command("sleep 300")
    wait_for_command(machine, "sleep 300")
    namespace = machine.namespace
    old_pid = machine.pid

    machine.stop()
    assert not machine.is_running
    assert machine.pids == []
    assert processes_in({namespace}) == []  # the session and its `sleep` too
    client.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((machine.address, machine.port), timeout=5).close()
    with pytest.raises(LabError, match="not running"):
        machine.run_inside("true")
    with lab_network.connect(lab_network.machines[0]) as other:
        assert run(other, "hostname")[1] == "lab-01\n"

    machine.start()
    assert machine.is_running
    assert machine.pid != old_pid
    assert machine.run_inside("id", "-un", "ana.costa").stdout == "ana.costa\n"
    with lab_network.connect(machine) as client:  # same host key: the pinned key still matches
        assert run(client, "hostname")[1] == "lab-03\n"


# --------------------------------------------------------------------------------------------
# Admin variants, scale, clean-up


def test_admin_without_sudo_and_root_as_admin():
    fixtures.require_lab_network()
    with LabNetwork(1) as plain, plain.connect(plain.machines[0]) as client:
        status, out, _ = run(client, "id -un; sudo -n true")
        assert out.split()[0] == "labadmin"
        assert status != 0
    with LabNetwork(1, admin_user="root") as rooted, rooted.connect(rooted.machines[0]) as client:
        status, out, err = run(client, "id -u; pwd; hostname")
        assert status == 0, err
        assert out.split() == ["0", "/root", "lab-01"]


def test_fail_delay_keeps_the_pam_delay_of_a_real_machine():
    fixtures.require_lab_network()
    with LabNetwork(1, sudo=True, fail_delay=True) as network:
        machine = network.machines[0]
        common_auth = (machine.etc_dir / "pam.d" / "common-auth").read_text()
        assert "nodelay" not in common_auth
        machine.run_inside("useradd", "-m", "lento", check=True)
        machine.run_inside("chpasswd", input="lento:certa\n", check=True)
        started = time.monotonic()
        with pytest.raises(paramiko.AuthenticationException):
            network.connect(machine, "lento", password="errada").close()
        assert time.monotonic() - started > 1.5
        with network.connect(machine, "lento", password="certa") as client:
            assert run(client, "id -un")[1] == "lento\n"


def test_twenty_machines_like_the_real_lab():
    fixtures.require_lab_network()
    with LabNetwork(20, sudo=True) as network:
        assert network.addresses == [f"127.0.10.{n}" for n in range(1, 21)]
        # Generous: about 0.6 s with the work directory on /dev/shm, 3-10 s on a slow disk.
        assert network.startup_seconds < 30, network.startup_seconds

        def hostname(machine: LabMachine) -> str:
            with network.connect(machine) as client:
                status, out, err = run(client, "sudo -n hostname")
                assert status == 0, err
                return out.strip()

        with ThreadPoolExecutor(max_workers=20) as pool:
            names = list(pool.map(hostname, network.machines))
        assert names == [f"lab-{n:02d}" for n in range(1, 21)]


def _start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/PID/stat), None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def test_close_ends_every_process_and_leaves_host_mounts_alone():
    fixtures.require_lab_network()
    mounts_before = Path("/proc/self/mountinfo").read_text()
    network = LabNetwork(2, sudo=True)
    try:
        workdir = network.workdir
        running = pgrep(str(workdir))  # the sshd listeners and the unshare above each
        listeners = [line for line in running if "sshd" in line and "[listener]" in line]
        assert len(listeners) == 2, running  # so the check after close() means something
        namespaces = {m.namespace for m in network.machines}
        own_namespace = os.readlink("/proc/self/ns/mnt")
        assert None not in namespaces and own_namespace not in namespaces
        assert len(namespaces) == 2
        assert Path("/proc/self/mountinfo").read_text() == mounts_before
        client = network.connect(network.machines[0])
        client.exec_command("sleep 300")
        wait_for_command(network.machines[0], "sleep 300")
        # unshare, sshd (PID 1 inside), the session, its `sleep`; with their start times, as
        # a busy machine may give a freed PID to a new process before the check below.
        inside = {pid: _start_time(pid) for pid in network.pids}
        assert len(inside) >= 6
    finally:
        network.close()
    client.close()

    assert pgrep(str(workdir)) == []
    assert processes_in(namespaces) == []
    # Gone, not even zombies: each machine's PID 1 and the kernel reap everything inside.
    assert [pid for pid, started in inside.items() if _start_time(pid) == started] == []
    assert Path("/proc/self/mountinfo").read_text() == mounts_before
    assert not workdir.exists()
    network.close()  # idempotent
    with pytest.raises(LabError, match="closed"):
        network.machines[0].start()


# --------------------------------------------------------------------------------------------
# Skip / fail logic (no root needed)


def test_require_lab_network_skips_locally_and_fails_on_ci(monkeypatch):
    monkeypatch.setattr(fixtures, "lab_unavailable_reason", lambda sudo=True: "no sshd here")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no sshd here"):
        fixtures.require_lab_network()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        fixtures.require_lab_network()


def test_unavailable_reason_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "root" in lab_unavailable_reason()
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr("testing.sshd.find_lab_tools", lambda: dict.fromkeys(["sshd"]))
    assert "openssh-server" in lab_unavailable_reason()
