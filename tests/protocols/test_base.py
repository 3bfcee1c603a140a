"""The mixture-form hook of protocols/base.py: MixtureForm works with every protocol."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.protocols.base import MixtureForm, has_mixture_form
from qmemlearn.sources import PauliMixedState
from qmemlearn.sources.parity_mixture import ParityMixtureGate


@pytest.mark.parametrize("protocol", [TwoCopyProtocol(), SingleCopyProtocol()])
def test_protocols_build_the_mixture_form_unchanged(protocol):
    state = PauliMixedState("XIY", alpha=0.9)
    source = MixtureForm(state)
    circuit = protocol.circuit(source)
    gadgets = [op for op in circuit.all_operations() if isinstance(op.untagged.gate, ParityMixtureGate)]
    assert len(gadgets) == protocol.copies_per_shot
    assert all(cirq.VirtualTag() in op.tags for op in gadgets)
    columns, _ = protocol.draw_settings(source, np.random.default_rng(0), 5)
    assert set(columns) == {str(s) for s in cirq.parameter_names(circuit)}
    # Same circuit for every instance: P enters only through values.
    assert protocol.circuit(MixtureForm(PauliMixedState("ZZZ"))) == circuit
    assert source.metadata() == {**state.metadata(), "form": "mixture"}


def test_two_copy_mixture_settings_are_constant_over_shots():
    protocol, source = TwoCopyProtocol(), MixtureForm(PauliMixedState("XY", alpha=0.5, sign=-1))
    columns, _ = protocol.draw_settings(source, np.random.default_rng(0), 7)
    assert all(np.all(v == v[0]) for v in columns.values())
    assert columns["a_bias"][0] == columns["b_bias"][0] == -0.5


def test_sources_without_a_mixture_form_are_refused():
    class Bare:
        n = 1

    assert not has_mixture_form(Bare()) and has_mixture_form(PauliMixedState("X"))
    with pytest.raises(ValueError, match=r"source=.* has no mixture form"):
        MixtureForm(Bare())
