"""The curve-set figure's caption states what was held fixed."""

import types

from qmemlearn.analysis.curve_set import CurveSetConfig
from qmemlearn.cli.experiments import EXPERIMENTS, project_root
from qmemlearn.plots_curves import caption


def test_caption_names_device_calibration_instances_target_rule_and_uncounted_calibration():
    config = CurveSetConfig.from_file(project_root() / "experiments" / EXPERIMENTS["qvm-willow-pink"][0])
    text = " ".join(caption(types.SimpleNamespace(config=config)).split())
    assert "device willow_pink" in text and "calibration of 2024-08-16 08:11 UTC" in text
    assert f"{config.trials} instances per point" in text and "target success 0.9" in text
    assert "decoy rule" in text and "readout error" in text
    assert "10000 shots each per qubit, NOT counted as copies of ρ" in text
