import pytest

from pipeline import kinds, steps


@pytest.fixture
def isolated_steps():
    """The step registry without the other apps' steps, restored afterwards."""
    saved = dict(steps._registry)
    steps._registry.clear()
    yield steps
    steps._registry.clear()
    steps._registry.update(saved)


@pytest.fixture
def extra_kind():
    """A kind of request no app ships ("bolsa", a scholarship), registered the way a
    workflow app does it in its AppConfig.ready, and unregistered afterwards."""
    kinds.register_kind("bolsa", "Bolsa de estudos")
    yield "bolsa"
    kinds.unregister_kind("bolsa")
