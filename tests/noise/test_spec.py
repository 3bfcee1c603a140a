"""qmemlearn.noise.spec: strict parsing, canonical strings, NoiseSpec and the term registry."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
import pytest

from qmemlearn.noise import (
    LAZY_NOISE_TERMS,
    NOISE_TERMS,
    Coherent,
    Depolarizing,
    Idle,
    LocalNoiseModel,
    NoiseSpec,
    NoiseTerm,
    parse_noise,
    register_noise_term,
)
from qmemlearn.noise.spec import _term_class


def test_parse_known_specs():
    assert parse_noise(None) == NoiseSpec() and parse_noise("ideal") == NoiseSpec() and parse_noise(" ideal ") == NoiseSpec()
    spec = parse_noise("depolarizing:p1=0.001,p2=0.01+readout:p01=0.02,p10=0.03+amplitude-damping:gamma=0.004")
    assert spec == NoiseSpec(p1=0.001, p2=0.01, p01=0.02, p10=0.03, gamma=0.004)
    assert (spec.p1, spec.p2, spec.p01, spec.p10, spec.gamma) == (0.001, 0.01, 0.02, 0.03, 0.004)
    assert parse_noise("readout:p10=0.2") == NoiseSpec(p10=0.2)
    assert parse_noise(" depolarizing : p1 = 0.5 ") == NoiseSpec(p1=0.5)
    assert parse_noise(spec) is spec
    assert NoiseSpec().is_ideal and not spec.is_ideal
    assert NoiseSpec().model() is None and parse_noise("ideal").to_string() == "ideal"
    assert isinstance(spec.model(), LocalNoiseModel)
    idle = parse_noise("idle:t1_us=100,t2_us=80,t2q_ns=40").term("idle")
    assert idle == Idle(t1_us=100.0, t2_us=80.0, t1q_ns=25.0, t2q_ns=40.0, meas_ns=0.0)
    assert parse_noise("coherent:angle=-0.1").term("coherent") == Coherent(angle=-0.1)
    assert spec.term("idle") is None


# ----- canonical strings --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec",
    [
        NoiseSpec(),
        NoiseSpec(p1=0.001),
        NoiseSpec(p2=0.25),
        NoiseSpec(p01=0.02, p10=0.05),
        NoiseSpec(gamma=1e-4),
        NoiseSpec(p1=0.1, p2=0.2, p01=0.3, p10=0.4, gamma=0.5),
        NoiseSpec(p1=1 / 3, gamma=0.1 + 0.2),  # values that need full repr precision
        NoiseSpec(p1=1.0, p10=1.0),
        NoiseSpec(angle=0.1 + 0.2),
        NoiseSpec(t1_us=100, t2_us=200, meas_ns=500),
        NoiseSpec(p1=0.01, angle=-np.pi, t1_us=1e-3, t2_us=1e-3, t1q_ns=0, t2q_ns=12.5),
    ],
)
def test_to_string_round_trip_and_idempotent(spec):
    text = spec.to_string()
    assert parse_noise(text) == spec
    assert parse_noise(text).to_string() == text
    assert repr(spec) == f"qmemlearn.noise.parse_noise({text!r})"


def test_to_string_round_trip_random():
    rng = np.random.default_rng(0)
    keys = ["p1", "p2", "p01", "p10", "gamma", "angle"]
    for _ in range(50):
        values = {k: float(v) if rng.random() < 0.6 else 0.0 for k, v in zip(keys, rng.random(len(keys)))}
        if rng.random() < 0.5:
            values.update(t1_us=float(rng.uniform(1, 100)), t2_us=float(rng.uniform(0.5, 2)))
        spec = NoiseSpec(**values)
        assert parse_noise(spec.to_string()) == spec
        assert parse_noise(spec.to_string()).to_string() == spec.to_string()


def test_to_string_round_trip_numpy_floats_and_ints():
    spec = NoiseSpec(p1=np.float64(0.1), gamma=np.float64(0.25))  # e.g. values from np.linspace in a sweep
    assert parse_noise(spec.to_string()) == spec
    assert parse_noise(NoiseSpec(p1=1, p10=0).to_string()) == NoiseSpec(p1=1, p10=0)
    assert NoiseSpec(p1=1) == NoiseSpec(p1=1.0) and NoiseSpec(p1=1).to_string() == NoiseSpec(p1=1.0).to_string()
    assert hash(NoiseSpec(p1=1)) == hash(NoiseSpec(p1=1.0))


@pytest.mark.parametrize(
    "variants, canonical",
    [
        (
            ["depolarizing:p1=0.1", "depolarizing:p1=0.1,p2=0", "depolarizing:p2=0.0,p1=1e-1", " depolarizing : p1 = 0.10 "],
            "depolarizing:p1=0.1,p2=0.0",
        ),
        (
            ["readout:p10=0.05,p01=0.02+depolarizing:p2=0.01", "depolarizing:p1=0,p2=0.01+readout:p01=0.02,p10=0.05"],
            "depolarizing:p1=0.0,p2=0.01+readout:p01=0.02,p10=0.05",
        ),
        (["ideal", "depolarizing:p1=0", "readout:p01=0,p10=0+coherent:angle=0", "idle:t1_us=5,t2_us=5,t1q_ns=0,t2q_ns=0"], "ideal"),
        (
            ["idle:t1_us=100,t2_us=80", "idle:t2_us=80.0,t1_us=1e2,t1q_ns=25,t2q_ns=32,meas_ns=0"],
            "idle:t1_us=100.0,t2_us=80.0,t1q_ns=25.0,t2q_ns=32.0,meas_ns=0.0",
        ),
        (
            ["idle:t1_us=50,t2_us=60+coherent:angle=0.01+amplitude-damping:gamma=0.002",
             "amplitude-damping:gamma=2e-3+coherent:angle=1e-2+idle:t2_us=60,t1_us=50"],
            "coherent:angle=0.01+amplitude-damping:gamma=0.002+idle:t1_us=50.0,t2_us=60.0,t1q_ns=25.0,t2q_ns=32.0,meas_ns=0.0",
        ),
    ],
)
def test_equivalent_specs_share_one_canonical_string(variants, canonical):
    assert {parse_noise(v).to_string() for v in variants} == {canonical}
    assert len({parse_noise(v) for v in variants}) == 1


# ----- strict parsing -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, match",
    [
        ("dephasing:p=0.1", r"noise term 'dephasing' in noise='dephasing:p=0.1' is unknown; allowed: ideal, depolarizing, coherent, readout, amplitude-damping, idle"),
        ("depolarizing:p1=0.1+bogus:x=1", r"noise term 'bogus'"),
        ("depolarizing:p3=0.1", r"noise term 'depolarizing' has no parameter 'p3'; allowed: p1, p2"),
        ("readout:p1=0.1", r"noise term 'readout' has no parameter 'p1'; allowed: p01, p10"),
        ("amplitude-damping:g=0.1", r"has no parameter 'g'; allowed: gamma"),
        ("depolarizing:p1=abc", r"noise parameter p1='abc' must be a number"),
        ("depolarizing:p1=", r"noise parameter p1='' must be a number"),
        ("depolarizing:p1", r"noise parameter 'p1' of term 'depolarizing' .* has no value; write p1=<number>"),
        ("readout:p01=1.5", r"noise parameter p01=1.5 must be a number in \[0, 1\]"),
        ("amplitude-damping:gamma=-0.1", r"noise parameter gamma=-0.1 must be a number in \[0, 1\]"),
        ("depolarizing:p2=nan", r"noise parameter p2=nan must be a finite number"),
        ("depolarizing:p2=inf", r"noise parameter p2=inf must be a finite number"),
        ("idle:t1_us=inf,t2_us=1", r"noise parameter t1_us=inf must be a finite number in \(0, inf\)"),
        ("idle:t1_us=10,t2_us=nan", r"noise parameter t2_us=nan must be a finite number"),
        ("coherent:angle=-inf", r"noise parameter angle=-inf must be a finite number"),
        # repeated key, term without parameters, same term twice, empty terms
        ("depolarizing:p1=0.1,p1=0.2", r"noise parameter 'p1' is given twice in term 'depolarizing'"),
        ("idle:t1_us=1,t2_us=1,t1_us=2", r"noise parameter 't1_us' is given twice in term 'idle'"),
        ("depolarizing", r"noise term 'depolarizing' in noise='depolarizing' has no parameters; write e.g. depolarizing:p1=0.001,p2=0.01"),
        ("depolarizing:", r"noise term 'depolarizing' in noise='depolarizing:' has no parameters"),
        ("readout:  ", r"noise term 'readout' .* has no parameters"),
        ("depolarizing:p1=0.1+depolarizing:p2=0.2", r"noise term 'depolarizing' appears twice in noise="),
        ("depolarizing:p1=0.1++readout:p01=0.1", r"has an empty term at position 1 \(a stray '\+'\)"),
        ("depolarizing:p1=0.1+", r"has an empty term at position 1"),
        ("+depolarizing:p1=0.1", r"has an empty term at position 0"),
        ("depolarizing:p1=0.1,", r"noise term 'depolarizing' .* has an empty parameter \(a stray ','\)"),
        ("depolarizing:p1=0.1,,p2=0.1", r"has an empty parameter"),
        ("ideal+depolarizing:p1=0.1", r"noise term 'ideal' in noise=.* cannot be combined"),
        ("ideal:x=1", r"noise term 'ideal'"),
        # missing required keys and physical bounds
        ("idle:t1_us=100", r"noise term 'idle' in noise='idle:t1_us=100' needs t2_us; e.g. idle:t1_us=100,t2_us=80"),
        ("idle:t1q_ns=10", r"needs t1_us, t2_us"),
        ("amplitude-damping:", r"has no parameters; write e.g. amplitude-damping:gamma=0.001"),
        ("idle:t1_us=10,t2_us=20.5", r"noise parameter t2_us=20.5 must be <= 2\*t1_us = 20.0 \(T2 <= 2·T1"),
        ("idle:t1_us=0,t2_us=0", r"noise parameter t1_us=0.0 must be a number in \(0, inf\)"),
        ("idle:t1_us=1,t2_us=1,t1q_ns=-5", r"noise parameter t1q_ns=-5.0 must be a number in \[0, inf\)"),
        ("coherent:angle=4", r"noise parameter angle=4.0 must be a number in \[-3.14159, 3.14159\]"),
        ("", r"noise='' must be 'ideal' or terms"),
        ("   ", r"must be 'ideal' or terms"),
    ],
)
def test_bad_specs_are_named(text, match):
    with pytest.raises(ValueError, match=match):
        parse_noise(text)


def test_bad_spec_types_and_values():
    with pytest.raises(ValueError, match=r"noise=0.1 must be 'ideal'"):
        parse_noise(0.1)
    with pytest.raises(ValueError, match=r"noise parameter p10=2 must be a number in \[0, 1\]"):
        NoiseSpec(p10=2)
    with pytest.raises(ValueError, match=r"noise parameter gamma='0.1'"):
        NoiseSpec(gamma="0.1")
    with pytest.raises(ValueError, match=r"noise parameter 'p3' is unknown; allowed: angle, gamma, meas_ns, p01, p1, p10, p2"):
        NoiseSpec(p3=0.1)
    with pytest.raises(ValueError, match=r"noise term 'depolarizing' appears twice"):
        NoiseSpec([Depolarizing(p1=0.1)], p2=0.2)
    with pytest.raises(ValueError, match=r"is not a registered NoiseTerm"):
        NoiseSpec(["depolarizing:p1=0.1"])
    with pytest.raises(AttributeError, match="immutable"):
        NoiseSpec().terms = ()


# ----- the registry hook (e.g. google:willow_pink, defined elsewhere) -----------------------------
@dataclasses.dataclass(frozen=True)
class _FakeDevice(NoiseTerm):
    """A non-local term with its own syntax, as a Google-calibration term would be."""

    device: str
    name: ClassVar[str] = "fake-device"
    local: ClassVar[bool] = False

    @classmethod
    def parse(cls, body: str, *, spec: str) -> "_FakeDevice":
        if body.strip() not in ("alpha", "beta"):
            raise ValueError(f"noise term 'fake-device' in noise={spec!r} needs a device: alpha or beta")
        return cls(body.strip())

    def to_string(self) -> str:
        return f"{self.name}:{self.device}"

    def model(self):
        import cirq

        return cirq.ConstantQubitNoiseModel(cirq.depolarize(0.5 if self.device == "alpha" else 0.25))


@pytest.fixture
def fake_device_term():
    register_noise_term(_FakeDevice)
    yield _FakeDevice
    NOISE_TERMS.pop("fake-device")


def test_a_registered_term_parses_with_its_own_syntax_and_model(fake_device_term):
    import cirq

    spec = parse_noise(" fake-device : beta ")
    assert spec.to_string() == "fake-device:beta" and parse_noise(spec.to_string()) == spec
    assert spec.model() == cirq.ConstantQubitNoiseModel(cirq.depolarize(0.25))
    with pytest.raises(ValueError, match=r"needs a device: alpha or beta"):
        parse_noise("fake-device:gamma")
    with pytest.raises(ValueError, match=r"noise term 'fake-device' brings its own noise model and cannot be combined"):
        parse_noise("fake-device:alpha+depolarizing:p1=0.1")
    with pytest.raises(ValueError, match=r"noise term 'fake-device' is not local"):
        LocalNoiseModel(spec)
    with pytest.raises(ValueError, match=r"already registered"):
        register_noise_term(type("Other", (_FakeDevice,), {}))
    assert "fake-device" in NOISE_TERMS


def test_register_rejects_bad_names():
    bad = type("Bad", (NoiseTerm,), {"name": "a+b"})
    with pytest.raises(ValueError, match=r"noise term name='a\+b' must be a non-empty str"):
        register_noise_term(bad)


def test_google_term_is_dispatched_lazily():
    """``google:...`` imports qmemlearn.hardware on first use, in a fresh interpreter."""
    import subprocess
    import sys

    assert LAZY_NOISE_TERMS["google"] == "qmemlearn.hardware"
    code = (
        "import sys; from qmemlearn.noise import parse_noise; "
        "assert 'qmemlearn.hardware' not in sys.modules; "
        "print(parse_noise('google:willow_pink').to_string(), 'qmemlearn.hardware' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["google:willow_pink", "True"]


def test_lazy_terms_register_on_import(monkeypatch, tmp_path):
    module = tmp_path / "qml_fake_lazy_term.py"
    module.write_text(
        "import dataclasses\nfrom typing import ClassVar\nfrom qmemlearn.noise import NoiseTerm, register_noise_term\n"
        "@register_noise_term\n@dataclasses.dataclass(frozen=True)\nclass Lazy(NoiseTerm):\n"
        "    p: float = 0.0\n    name: ClassVar[str] = 'lazy-term'\n    keys: ClassVar[tuple] = ('p',)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(LAZY_NOISE_TERMS, "lazy-term", "qml_fake_lazy_term")
    try:
        assert _term_class("lazy-term", "lazy-term:p=1").name == "lazy-term"
        assert parse_noise("lazy-term:p=0.5").to_string() == "lazy-term:p=0.5"
    finally:
        NOISE_TERMS.pop("lazy-term", None)
