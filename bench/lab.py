"""Lab benchmark: one account on 20 real sshd machines (testing/sshd.py), in parallel."""

from __future__ import annotations

import time


def run(count: int = 20) -> list[tuple]:
    """Runs inside a configured Django process with a migrated database."""
    from django.conf import settings

    from acesso import services, ssh
    from acesso.models import AccessRequest, LabHost
    from testing.sshd import LabNetwork, lab_unavailable_reason

    reason = lab_unavailable_reason(sudo=True)
    if reason:
        return [("provision 20 lab machines", "skipped: " + reason, "< 5 s", count, False)]
    with LabNetwork(count, sudo=True) as network:
        settings.MAILFLOW_LAB_SSH_USER = "labadmin"
        settings.MAILFLOW_LAB_SSH_KEY_FILE = str(network.admin_private_key_path)
        settings.MAILFLOW_LAB_PARALLEL = count
        for n, machine in enumerate(network.machines, 1):
            LabHost.objects.create(
                name=f"bench-{n:02d}",
                address=machine.address,
                port=machine.port,
                host_key=machine.host_key_public,
            )
        request = AccessRequest.objects.create(
            student_name="Maria Souza",
            student_email="maria@aluno.example",
            login="maria.souza",
            status=AccessRequest.Status.APPROVED,
            approved_student_name="Maria Souza",
            approved_student_email="maria@aluno.example",
            approved_login="maria.souza",
        )
        # the sum of the per-host times, one after the other
        credentials = services.lab_credentials()
        password = services.access_password(request=request)
        sequential = 0.0
        for host in LabHost.objects.all():
            started = time.perf_counter()
            with ssh.LabConnection(
                ssh.Target(host.address, host.port, host.host_key), credentials
            ) as lab:
                lab.ensure_account(login="seq.user", full_name="Seq User", password=password)
            sequential += time.perf_counter() - started
        started = time.perf_counter()
        rows = services.access_provision(request=request)
        wall = time.perf_counter() - started
        ok = all(r.status == "created" for r in rows)
    return [
        (
            f"provision one account on {count} machines, wall (s)",
            f"{wall:.2f}",
            "< 5",
            count,
            ok and wall < 5,
        ),
        (
            "the same, host after host: sum of per-host times (s)",
            f"{sequential:.2f}",
            "-",
            count,
            True,
        ),
    ]
