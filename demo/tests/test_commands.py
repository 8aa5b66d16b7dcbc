"""run_trial refuses what would not work, before starting anything."""

import pytest
from django.core.management import CommandError, call_command


def test_run_trial_is_only_for_trials(settings):
    settings.MAILFLOW_TRIAL = False
    with pytest.raises(CommandError, match="MAILFLOW_TRIAL=1"):
        call_command("run_trial")


def test_run_trial_needs_plain_http(trial, settings):
    settings.SECURE_SSL_REDIRECT = True
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("run_trial")


def test_run_trial_wants_host_and_port(trial, settings):
    settings.SECURE_SSL_REDIRECT = False
    with pytest.raises(CommandError, match="host:port"):
        call_command("run_trial", "--addrport", "127.0.0.1:http")
