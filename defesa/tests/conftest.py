import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from defesa.tests.factories import CHAMADO_TO
from emails.tests.conftest import imap_mailbox  # noqa: F401 - a shared fixture


@pytest.fixture(autouse=True)
def defense_settings(settings, tmp_path):
    settings.MAILFLOW_CHAMADO_TO = CHAMADO_TO
    settings.MAILFLOW_COORDINATOR_NAME = "Profa. Dra. Coordenadora Exemplo"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def secretary(db):
    """A staff user who reviews defences (change + review permissions)."""
    user = get_user_model().objects.create_user("secretaria", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="defesa",
            codename__in=[
                "view_defenserequest",
                "change_defenserequest",
                "review_defenserequest",
                "view_committeemember",
                "add_committeemember",
                "change_committeemember",
                "delete_committeemember",
                "view_generateddocument",
            ],
        )
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def editor(db):
    """A staff user who may correct a defence but not approve it."""
    user = get_user_model().objects.create_user("estagiario", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="defesa",
            codename__in=[
                "view_defenserequest",
                "change_defenserequest",
                "view_committeemember",
                "change_committeemember",
            ],
        )
    )
    return get_user_model().objects.get(pk=user.pk)
