"""Helpers for tests against the sshd lab machines."""

import paramiko


def logs_in(machine, login: str, password: str) -> bool:
    """Whether a password login as `login` works on `machine` (the student's view)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the test's own client
    try:
        client.connect(
            machine.address,
            port=machine.port,
            username=login,
            password=password,
            allow_agent=False,
            look_for_keys=False,
            timeout=5,
        )
        return True
    except paramiko.AuthenticationException:
        return False
    finally:
        client.close()
