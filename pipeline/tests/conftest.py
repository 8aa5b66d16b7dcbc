import pytest

from pipeline import steps


@pytest.fixture
def isolated_steps():
    """The step registry without the other apps' steps, restored afterwards."""
    saved = dict(steps._registry)
    steps._registry.clear()
    yield steps
    steps._registry.clear()
    steps._registry.update(saved)
