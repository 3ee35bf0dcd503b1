import pytest
from django.db.models import Model


@pytest.fixture
def count_model_inits(monkeypatch):
    """start() begins counting the model objects made through Model.__init__ (the ORM's way,
    with its per-field descriptors and signals) and returns the list their types go into: a
    read that says it makes its objects without it is held to that."""

    def start() -> list[type]:
        made: list[type] = []
        real = Model.__init__

        def counting(self, *args, **kwargs):
            made.append(type(self))
            real(self, *args, **kwargs)

        monkeypatch.setattr(Model, "__init__", counting)
        return made

    return start
