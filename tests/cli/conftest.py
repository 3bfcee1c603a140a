"""The Quantum Engine replaced by an offline recording stand-in (tests never reach the network)."""

from __future__ import annotations

import pytest

from qmemlearn.hardware.testing import patch_engine


@pytest.fixture
def fake_engine(monkeypatch):
    """The samplers ``cirq_google.get_engine_sampler`` built during the test, in order."""
    return patch_engine(monkeypatch)


@pytest.fixture
def no_engine_credentials(monkeypatch):
    """``cirq_google.get_engine_sampler`` fails as it does on a machine without Google Cloud
    credentials (google-auth's ``DefaultCredentialsError``)."""
    import cirq_google
    import google.auth.exceptions

    def get_engine_sampler(processor_id, project_id=None):
        raise google.auth.exceptions.DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(cirq_google, "get_engine_sampler", get_engine_sampler)
