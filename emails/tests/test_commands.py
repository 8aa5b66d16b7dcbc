import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from emails.models import Email
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def test_ingest_eml_files_and_duplicates(tmp_path, capsys):
    a = tmp_path / "a.eml"
    a.write_bytes(make_raw(subject="arquivo a"))
    b = tmp_path / "b.eml"
    b.write_bytes(make_raw(subject="arquivo b"))
    call_command("ingest_eml", str(a), str(b), str(a))
    out = capsys.readouterr().out
    assert "stored 2, duplicates 1, failed 0" in out
    assert sorted(Email.objects.values_list("subject", flat=True)) == ["arquivo a", "arquivo b"]


def test_ingest_eml_from_stdin(monkeypatch, capsys):
    raw = make_raw(subject="pelo MTA")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("ingest_eml", "-")
    assert Email.objects.get().subject == "pelo MTA"


def test_ingest_eml_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest_eml", str(tmp_path / "missing.eml"))
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty message"):
        call_command("ingest_eml", str(empty))
    with pytest.raises(CommandError, match="no mailbox named"):
        call_command("ingest_eml", "--mailbox", "nope", str(empty))
