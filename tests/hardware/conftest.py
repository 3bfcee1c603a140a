"""The Quantum Engine replaced by an offline recording stand-in (tests never reach the network)."""

from __future__ import annotations

import pytest

from qmemlearn.hardware.testing import patch_engine


@pytest.fixture
def fake_engine(monkeypatch):
    """The samplers ``cirq_google.get_engine_sampler`` built during the test, in order."""
    return patch_engine(monkeypatch)
