from pathlib import Path

import pytest

COORDINATION = "coordenacao@ppcomp.example"


@pytest.fixture
def trial(settings, tmp_path) -> Path:
    """The settings MAILFLOW_TRIAL=1 gives, with var/ in a temporary folder (never the
    project's var/). Returns that folder."""
    var = tmp_path / "var"
    settings.MAILFLOW_TRIAL = True
    settings.MAILFLOW_DEMO_MAILDIR = var / "demo-maildir"
    settings.MAILFLOW_TRIAL_OUTBOX_DIR = var / "outbox"
    settings.MEDIA_ROOT = var / "media"
    settings.EMAIL_BACKEND = "demo.mail.EmlOutboxBackend"
    settings.DEFAULT_FROM_EMAIL = "Secretaria PPComp <secretaria@ppcomp.example>"
    settings.MAILFLOW_CHAMADO_TO = COORDINATION
    settings.MAILFLOW_COORDINATOR_EMAIL = COORDINATION
    settings.MAILFLOW_COORDINATOR_NAME = "Profa. Dra. Coordenadora Exemplo"
    return var
