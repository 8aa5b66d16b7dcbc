"""Helpers for tests against the sshd lab machines."""

import paramiko

from acesso.models import LabHost


def trust_lab(lab_network, settings, *, sudo: bool = False, coordinator: str = ""):
    """mailflow configured for the test's sshd machines: the admin key, every machine a
    lab computer with its host key pinned. Returns the network."""
    settings.MAILFLOW_LAB_SSH_USER = "labadmin"
    settings.MAILFLOW_LAB_SSH_KEY_FILE = str(lab_network.admin_private_key_path)
    settings.MAILFLOW_LAB_SSH_TIMEOUT = 5
    if sudo:
        settings.MAILFLOW_LAB_USE_SUDO = True
    if coordinator:
        settings.MAILFLOW_COORDINATOR_EMAIL = coordinator
    for n, machine in enumerate(lab_network.machines, 1):
        LabHost.objects.create(
            name=f"lab-{n:02d}",
            address=machine.address,
            port=machine.port,
            host_key=machine.host_key_public,
        )
    return lab_network


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
