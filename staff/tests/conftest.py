import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from defesa.tests.factories import CHAMADO_TO


@pytest.fixture(autouse=True)
def defense_settings(settings, tmp_path):
    settings.MAILFLOW_CHAMADO_TO = CHAMADO_TO
    settings.MAILFLOW_COORDINATOR_NAME = "Profa. Dra. Coordenadora Exemplo"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def _member_of(group: str, username: str):
    """A staff user put in a group, as an administrator does in the admin's user page."""
    user = get_user_model().objects.create_user(username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def secretaria(db):
    return _member_of("Secretaria", "secretaria")


@pytest.fixture
def coordenacao(db):
    return _member_of("Coordenação", "coordenacao")
