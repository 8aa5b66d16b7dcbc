import pytest

from categorizer import services


@pytest.fixture
def trained(db):
    """An active model trained on the shipped data (the fit is cached per process)."""
    return services.model_train(note="test").model
