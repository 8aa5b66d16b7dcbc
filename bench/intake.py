"""Intake limits (issue #15): peak memory of a collection of big messages, and the admin
page of the worst hostile emails.

`bench/run.py --only intake-memory` and `--only admin-hostile` run these alone.
"""

from __future__ import annotations

import time

MB = 1024 * 1024
BIG_COUNT = 20
BIG_SIZE = 30 * MB


def fill_big(server, account) -> None:
    """BIG_COUNT messages of BIG_SIZE each (a PDF-like attachment, base64)."""
    from hostile.generate_intake import big_attachment_message

    for n in range(BIG_COUNT):
        server.append(account, big_attachment_message(BIG_SIZE, tag=f"bench{n}"))


def admin_hostile() -> dict[str, float]:
    """Runs inside a configured Django process with a fresh, migrated database: store the
    hostile messages through `ingest_eml`'s service (the 40 MB one through a Maildir, as
    a collection would), then time each admin change page (median of 3)."""
    import statistics
    import tempfile
    from mailbox import Maildir

    from django.contrib.auth import get_user_model
    from django.test import Client

    from emails import services
    from emails.models import Email, Mailbox
    from hostile.generate_intake import (
        big_attachment_message,
        many_references_message,
        nested_divs_message,
    )

    pages = {}
    email, _created = services.email_ingest(raw=nested_divs_message(200_000))
    pages["200,000 nested divs"] = email.pk
    email, _created = services.email_ingest(raw=many_references_message(260_000))
    pages["260,000 References"] = email.pk
    with tempfile.TemporaryDirectory() as parent:
        folder = f"{parent}/Maildir"
        maildir = Maildir(folder, create=True)
        maildir.add(big_attachment_message(40 * MB))
        mailbox = Mailbox.objects.create(
            name="bench-big", protocol=Mailbox.Protocol.MAILDIR, maildir_path=folder
        )
        services.mailbox_collect(mailbox=mailbox)
        pages["40 MB (headers only)"] = Email.objects.get(mailbox=mailbox).pk
    user = get_user_model().objects.create_superuser("bench", password="bench-password")
    client = Client()
    client.force_login(user)
    timings = {}
    for name, pk in pages.items():
        samples = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(f"/admin/emails/email/{pk}/change/", secure=True)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        timings[name] = statistics.median(samples)
    return timings
