"""``qmemlearn classify`` on files in the paper's format written from our simulator."""

import numpy as np
import pytest

from qmemlearn.cli.classify import classify_group
from qmemlearn.cli.main import main
from qmemlearn.records.dynamics_files import group_counts, load_dynamics_directory
from qmemlearn.tasks.dynamics import score_trial
from qmemlearn.tasks.dynamics_export import export_paper_files


def run(capsys, *args):
    code = main(command_line_args=list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def paper_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("paper")
    export_paper_files(directory, protocol="two-copy", n=3, depth=3, per_class=4, shots=50, seed=21)
    export_paper_files(directory, protocol="single-copy", n=3, depth=3, per_class=4, shots=20000, seed=21)
    return directory


@pytest.mark.parametrize("rule", ["kernel-pca", "statistic"])
def test_cli_prints_one_row_per_group_and_classifies_two_copy_perfectly(capsys, paper_dir, rule):
    code, out, err = run(capsys, "classify", str(paper_dir), "--rule", rule)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].split()[:6] == ["protocol", "n", "depth", "T-sym", "scr", "shots"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"single-copy", "two-copy"}
    assert rows["two-copy"][1:8] == ["3", "3", "4", "4", "50", "100", rule]
    assert rows["two-copy"][8:] == ["1.000", "1.000"]  # noiseless T-symmetric: all zeros
    assert rows["single-copy"][5:7] == ["20000", "20000"]


def test_cli_uses_the_task_scoring(paper_dir):
    """The printed accuracy up to swap is the task's score_trial on the same counts."""
    groups = load_dynamics_directory(paper_dir)
    for records in groups.values():
        protocol = records[0].metadata["protocol"]
        for rule in ("kernel-pca", "statistic"):
            for shots in (10, 40):
                ones, used, labels = group_counts(records, shots)
                result = classify_group(records, rule=rule, shots=shots)
                assert result.accuracy_up_to_swap == score_trial(ones, used, labels, protocol=protocol, rule=rule)
                assert result.accuracy in (result.accuracy_up_to_swap, 1 - result.accuracy_up_to_swap)


def test_single_copy_statistic_separates_with_many_shots(paper_dir):
    """At n = 3, ⟨Yᵢ⟩² of scrambling U is ~2⁻³: 20000 shots give an error ~10⁻² on Σᵢ⟨Yᵢ⟩²."""
    records = load_dynamics_directory(paper_dir)[("single-copy", 3, 3)]
    result = classify_group(records, rule="statistic")
    assert result.accuracy >= 0.75  # named by the statistic, not up to swap


def test_shots_option_and_errors(capsys, paper_dir, tmp_path):
    code, out, _ = run(capsys, "classify", str(paper_dir), "--shots", "8")
    assert code == 0 and all(line.split()[5] == "8" for line in out.strip().splitlines()[1:])
    code, _, err = run(capsys, "classify", str(paper_dir), "--shots", "51")
    assert code == 2 and "shots=51 must be an int in [2, 50]" in err
    code, _, err = run(capsys, "classify", str(tmp_path))
    assert code == 2 and "holds no 1D-scramble-*.npy files" in err
    code, _, err = run(capsys, "classify", str(paper_dir), "--rule", "decoy")
    assert code == 2 and "invalid choice: 'decoy'" in err
    single = tmp_path / "one"
    single.mkdir()
    export_paper_files(single, protocol="two-copy", n=2, depth=1, per_class=1, shots=4, seed=0)
    (single / "1D-scramble-Q-size-2-depth-1-type-1-batch-0-number-0.npy").unlink()
    code, _, err = run(capsys, "classify", str(single))
    assert code == 2 and "two-copy n=2 depth=1 has 1 file(s); classification needs >= 2 circuits" in err
    with pytest.raises(ValueError, match="rule='decoy' must be one of kernel-pca, statistic"):
        classify_group([], rule="decoy")
