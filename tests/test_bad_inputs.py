"""A table of bad inputs for every CLI command and the public API (issue 6, item 10).

Every CLI case runs in-process in a prepared workspace and must: exit non-zero, print a message
on stderr that names the parameter, print no traceback, and leave every file of the workspace
as it was (nothing new, nothing changed). Every API case must raise the stated exception type
with a message naming the parameter. :func:`test_counts` prints the totals for the report.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import pathlib
import zipfile

import numpy as np
import pytest

import qmemlearn
from qmemlearn.cli.main import main

TINY = {
    "experiment": "pauli-learning", "task": "pauli-learning", "seed": 5, "params": {"alpha": 0.9, "backend": "fast"},
    "noise": "ideal", "target": 0.8, "trials": 8, "rel_resolution": 0.25,
    "max_copies": 64,
    "modes": {
        "full": {
            "curves": [
                {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 1},
                {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 1},
            ],
            "success_curve": {"n": 1, "copies": [2, 4]},
        },
        "quick": {
            "curves": [{"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 1}],
            "success_curve": {"n": 1, "copies": [4]},
        },
    },
}

#: API checks that belong in files another helper owns; the patch is in the issue-6 report.

# ---------------------------------------------------------------------------------------------
# Workspace: every file a case may read, written once per module.
# ---------------------------------------------------------------------------------------------


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _huge_npy_header(shape: tuple[int, ...]) -> bytes:
    """A valid .npy header declaring ``shape`` (uint8), followed by only a few data bytes."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue() + b"\x00" * 16


def _write_npz(path: pathlib.Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data)


def _records_members(protocol_: str, bits_: np.ndarray, recipes_: np.ndarray | None = None, /, **changes) -> dict:
    """The members of a records .npz; ``changes`` replace members (bytes or arrays) or drop them (None)."""
    members = {
        "format": _npy_bytes(np.array("qmemlearn-records")),
        "format_version": _npy_bytes(np.array(1, dtype=np.int64)),
        "protocol": _npy_bytes(np.array(protocol_)),
        "metadata": _npy_bytes(np.array(json.dumps({"n": bits_.shape[-1]}))),
        "bits": _npy_bytes(bits_),
    }
    if recipes_ is not None:
        members["recipes"] = _npy_bytes(recipes_)
    for key, value in changes.items():
        if value is None:
            members.pop(key)
        else:
            members[key] = value if isinstance(value, bytes) else _npy_bytes(value)
    return members


GOOD_BELL = np.zeros((6, 4), dtype=np.uint8)
GOOD_SHADOW = np.zeros((6, 2), dtype=np.uint8)


def _write_config(path: pathlib.Path, config: object) -> None:
    path.write_text(json.dumps(config) if not isinstance(config, str) else config)


def _mutated(changes: list[tuple[str, object]], base: dict | None = None) -> dict:
    """``base`` (default TINY) with dotted-path changes; the value ``DELETE`` removes the key."""
    config = copy.deepcopy(TINY if base is None else base)
    for dotted, value in changes:
        *parents, last = dotted.split(".")
        node: object = config
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            del node[last]
        else:
            node[last] = value
    return config


DELETE = object()

#: config case id -> (changes to TINY, regex the message must match besides the file name)
CONFIG_CASES: dict[str, tuple[list[tuple[str, object]], str]] = {
    "alpha-big": ([("params.alpha", 1.5)], r"params.alpha"),
    "alpha-negative": ([("params.alpha", -0.1)], r"params.alpha"),
    "alpha-str": ([("params.alpha", "0.9")], r"params.alpha"),
    "alpha-null": ([("params.alpha", None)], r"params.alpha"),
    "alpha-bool": ([("params.alpha", True)], r"params.alpha"),
    "target-zero": ([("target", 0)], r"'target'"),
    "target-big": ([("target", 1.5)], r"'target'"),
    "target-str": ([("target", "high")], r"'target'"),
    "trials-zero": ([("trials", 0)], r"'trials'"),
    "trials-negative": ([("trials", -3)], r"'trials'"),
    "trials-float": ([("trials", 2.5)], r"'trials'"),
    "trials-str": ([("trials", "10")], r"'trials'"),
    "trials-bool": ([("trials", True)], r"'trials'"),
    "rel-resolution-negative": ([("rel_resolution", -0.1)], r"'rel_resolution'"),
    "rel-resolution-one": ([("rel_resolution", 1.0)], r"'rel_resolution'"),
    "rel-resolution-str": ([("rel_resolution", "fine")], r"'rel_resolution'"),
    "max-copies-zero": ([("max_copies", 0)], r"'max_copies'"),
    "max-copies-small": ([("max_copies", 2)], r"'max_copies'"),
    "max-copies-float": ([("max_copies", 64.5)], r"'max_copies'"),
    "max-copies-str": ([("max_copies", "many")], r"'max_copies'"),
    "noise-unknown": ([("noise", "bogus")], r"'noise'"),
    "noise-int": ([("noise", 5)], r"'noise'"),
    "noise-range": ([("noise", "depolarizing:p1=2")], r"'noise'"),
    "backend-unknown": ([("params.backend", "nope")], r"params.backend"),
    "backend-int": ([("params.backend", 3)], r"params.backend"),
    "seed-str": ([("seed", "abc")], r"'seed'"),
    "seed-negative": ([("seed", -1)], r"'seed'"),
    "seed-float": ([("seed", 1.5)], r"'seed'"),
    "seed-bool": ([("seed", True)], r"'seed'"),
    "task-unknown": ([("task", "nope")], r"'task'"),
    "experiment-int": ([("experiment", 5)], r"'experiment'"),
    "params-unknown-key": ([("params.beta", 1)], r"beta"),
    "params-not-object": ([("params", 3)], r"params"),
    "missing-modes": ([("modes", DELETE)], r"modes"),
    "unknown-top-key": ([("trails", 200)], r"'trails'"),
    "modes-list": ([("modes", [])], r"'modes'"),
    "mode-missing": ([("modes.full", DELETE)], r"full"),
    "mode-not-dict": ([("modes.full", 3)], r"'modes.full'"),
    "mode-unknown-key": ([("modes.full.curvs", [])], r"'modes.full.curvs'"),
    "curves-not-list": ([("modes.full.curves", {"a": 1})], r"'modes.full.curves'"),
    "curves-empty": ([("modes.full.curves", [])], r"'modes.full.curves'"),
    "curve-not-dict": ([("modes.full.curves.0", "single-copy")], r"'modes.full.curves\[0\]'"),
    "curve-missing-protocol": ([("modes.full.curves.0.protocol", DELETE)], r"modes.full.curves\[0\].*protocol"),
    "curve-protocol-bad": ([("modes.full.curves.0.protocol", "three-copy")], r"'modes.full.curves\[0\].protocol'"),
    "curve-rule-bad": ([("modes.full.curves.1.rule", "guess")], r"'modes.full.curves\[1\].rule'"),
    "curve-n-min-zero": ([("modes.full.curves.1.n_min", 0)], r"'modes.full.curves\[1\].n_min'"),
    "curve-n-min-str": ([("modes.full.curves.1.n_min", "1")], r"'modes.full.curves\[1\].n_min'"),
    "curve-n-min-float": ([("modes.full.curves.1.n_min", 1.5)], r"'modes.full.curves\[1\].n_min'"),
    "curve-n-max-below-min": ([("modes.full.curves.1.n_min", 3), ("modes.full.curves.1.n_max", 2)],
                              r"'modes.full.curves\[1\].n_max'"),
    "curve-n-max-null": ([("modes.full.curves.0.n_max", None)], r"'modes.full.curves\[0\].n_max'"),
    "curve-unknown-key": ([("modes.full.curves.0.nmax", 3)], r"'modes.full.curves\[0\].nmax'"),
    "curve-identify-too-big": ([("modes.full.curves.0.rule", "identify"), ("modes.full.curves.0.n_max", 40)],
                               r"modes.full.curves\[0\]"),
    "success-not-dict": ([("modes.full.success_curve", [2, 4])], r"'modes.full.success_curve'"),
    "success-n-zero": ([("modes.full.success_curve.n", 0)], r"'modes.full.success_curve.n'"),
    "success-n-str": ([("modes.full.success_curve.n", "1")], r"'modes.full.success_curve.n'"),
    "success-n-missing": ([("modes.full.success_curve.n", DELETE)], r"modes.full.success_curve.*'n'"),
    "success-copies-not-list": ([("modes.full.success_curve.copies", 4)], r"'modes.full.success_curve.copies'"),
    "success-copies-zero": ([("modes.full.success_curve.copies", [0, 4])], r"'modes.full.success_curve.copies\[0\]'"),
    "success-copies-str": ([("modes.full.success_curve.copies", [2, "4"])], r"'modes.full.success_curve.copies\[1\]'"),
    "success-copies-float": ([("modes.full.success_curve.copies", [2.5])], r"'modes.full.success_curve.copies\[0\]'"),
    "success-copies-one": ([("modes.full.success_curve.copies", [1])], r"'modes.full.success_curve.copies\[0\]'"),
    "success-copies-odd-for-two-copy-only": (
        [("modes.full.curves", [{"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 1}]),
         ("modes.full.success_curve.copies", [3])],
        r"'modes.full.success_curve.copies\[0\]'",
    ),
    "success-unknown-key": ([("modes.full.success_curve.copy", [2])], r"'modes.full.success_curve.copy'"),
    "figure-unknown": ([("figure", "movie")], r"'figure'=\"movie\" is unknown; allowed: pauli-learning, dynamics"),
}

#: Configs of the other tasks: case id -> (committed config in experiments/, changes, regex).
#: Changes apply to the committed file; every case runs its quick mode.
EXPERIMENTS_DIR = pathlib.Path(__file__).parents[1] / "experiments"
TASK_CONFIG_CASES: dict[str, tuple[str, list[tuple[str, object]], str]] = {
    "dynamics-depth-zero": ("dynamics", [("params.depth", 0)], r"params.depth=0 must be an int in \[1, inf\]"),
    "dynamics-depth-str": ("dynamics", [("params.depth", "5")], r"params.depth"),
    "dynamics-circuits-one": ("dynamics", [("params.circuits_per_class", 1)], r"params.circuits_per_class"),
    "dynamics-backend-unknown": ("dynamics", [("params.backend", "qsim2")], r"params.backend='qsim2'"),
    "dynamics-max-bond-negative": ("dynamics", [("params.max_bond", -1)], r"params.max_bond"),
    "dynamics-rule-other-task": ("dynamics", [("modes.quick.curves.0.rule", "decoy")],
                                 r"'modes.quick.curves\[0\].rule'.*kernel-pca, statistic"),
    "dynamics-protocol-unknown": ("dynamics", [("modes.quick.curves.0.protocol", "three-copy")],
                                  r"'modes.quick.curves\[0\].protocol'"),
    "dynamics-n-one": ("dynamics", [("modes.quick.curves.0.n_min", 1)],
                       r"'modes.quick.curves\[0\]'.*n=1 must be >= 2"),
    "dynamics-exact-too-wide": ("dynamics", [("params.backend", "exact"), ("modes.quick.curves.1.n_max", 14)],
                                r"'modes.quick.curves\[1\]'.*28 qubits.*backend='mps'"),
    "dynamics-mps-noisy": ("dynamics", [("params.backend", "mps"), ("noise", "depolarizing:p2=0.01")],
                           r"'modes.quick.curves\[0\]'.*backend='mps' is noiseless"),
    "dynamics-scrambling-gate-unknown": ("dynamics", [("params.scrambling_gate", "iswap")],
                                         r"params.scrambling_gate='iswap' must be one of 'sycamore', 'cz'"),
    "dynamics-embedding-n": ("dynamics", [("embedding.n", 0)], r"'embedding.n'=0"),
    "dynamics-embedding-queries": ("dynamics", [("embedding.queries", -1)], r"'embedding.queries'=-1"),
    "dynamics-embedding-unknown-key": ("dynamics", [("embedding.bogus", 1)], r"'embedding.bogus' is unknown"),
    "purity-mixedness-big": ("purity", [("params.mixedness", 1.5)], r"params.mixedness=1.5"),
    "purity-states-unknown": ("purity", [("params.states", "cats")], r"params.states='cats'"),
    "purity-shots-per-setting-zero": ("purity", [("params.shots_per_setting", 0)], r"params.shots_per_setting"),
    "purity-rule-other-task": ("purity", [("modes.quick.curves.0.rule", "decoy")], r"'modes.quick.curves\[0\].rule'"),
    "pca-rule-other-task": ("pca", [("modes.quick.curves.0.rule", "swap")], r"'modes.quick.curves\[0\].rule'"),
    "dynamics-noise-kind-unknown": ("dynamics_noise", [("kind", "movie")], r"'kind'='movie' is unknown"),
    "qvm-mitigate-str": ("qvm_willow_pink", [("modes.quick.curves.1.params.mitigate", "yes")], r"mitigate='yes'"),
    "qvm-calibration-shots-negative": ("qvm_willow_pink", [("modes.quick.curves.1.params.calibration_shots", -5)],
                                       r"calibration_shots=-5"),
}


def _task_config(name: str, changes: list[tuple[str, object]]) -> dict:
    """The committed config ``experiments/<name>.json`` with dotted-path changes."""
    config = json.loads((EXPERIMENTS_DIR / f"{name}.json").read_text())
    return _mutated(changes, config)


RAW_CONFIGS = {
    "not-json": "{ not json",
    "top-list": "[1, 2]",
    "empty": "",
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> pathlib.Path:
    """A directory holding every input file the cases use; cases run with it as cwd."""
    return build_workspace(tmp_path_factory.mktemp("bad_inputs"))


def build_workspace(root: pathlib.Path) -> pathlib.Path:
    """Writes every input file the cases use into ``root``; returns ``root``."""
    (root / "experiments").mkdir()
    _write_config(root / "experiments" / "pauli_learning.json", TINY)
    configs = root / "configs"
    configs.mkdir()
    for name, (changes, _) in CONFIG_CASES.items():
        _write_config(configs / f"{name}.json", _mutated(changes))
    for name, text in RAW_CONFIGS.items():
        _write_config(configs / f"{name}.json", text)
    for name, (experiment, changes, _) in TASK_CONFIG_CASES.items():
        _write_config(configs / f"{name}.json", _task_config(experiment, changes))
    (root / "calibration-list.json").write_text("[1]")
    (root / "calibration-keys.json").write_text(json.dumps({"p01": [0.1], "p10": [0.1]}))
    (root / "calibration-latin1.json").write_bytes(b'{"p01": "\xe9"}')
    _write_dynamics_files(root)
    (configs / "latin1.json").write_bytes(b'{"alpha": "\xe9"}')
    (configs / "no-quick.json").write_text(json.dumps({**TINY, "modes": {"full": TINY["modes"]["full"]}}))
    (root / "adir").mkdir()
    (root / "afile").write_text("not a directory\n")
    (root / "wrong_header.csv").write_text("a,b,c\n1,2,3\n")
    (root / "latin1.csv").write_bytes(b"strong_id,task\xe9\n")
    (root / "fig.png").mkdir()  # a figure path that is a directory
    good = qmemlearn.BellRecord(bits=GOOD_BELL, metadata={"n": 2})
    qmemlearn.save_records(good, root / "good.npz")
    qmemlearn.save_records(qmemlearn.ShadowRecord(bits=GOOD_SHADOW, recipes=GOOD_SHADOW), root / "shadow.npz")
    qmemlearn.save_records(qmemlearn.BellRecord(bits=GOOD_BELL[:1]), root / "one-shot.npz")
    qmemlearn.save_records(qmemlearn.BellRecord(bits=GOOD_BELL[:0]), root / "zero-shot.npz")
    npz = {
        "garbage": {"bits": b"not an npy"},
        "wrong-format": _records_members("two-copy", GOOD_BELL, format=np.array("other")),
        "wrong-version": _records_members("two-copy", GOOD_BELL, format_version=np.array(7)),
        "wrong-protocol": _records_members("three-copy", GOOD_BELL),
        "missing-bits": _records_members("two-copy", GOOD_BELL, bits=None),
        "missing-metadata": _records_members("two-copy", GOOD_BELL, metadata=None),
        "bits-two": _records_members("two-copy", GOOD_BELL + 2),
        "bits-float": _records_members("two-copy", GOOD_BELL.astype(float)),
        "bits-1d": _records_members("two-copy", GOOD_BELL.ravel()),
        "bits-odd": _records_members("two-copy", GOOD_BELL[:, :3]),
        "metadata-bad-json": _records_members("two-copy", GOOD_BELL, metadata=np.array("{oops")),
        "metadata-list": _records_members("two-copy", GOOD_BELL, metadata=np.array("[1]")),
        "metadata-nan": _records_members("two-copy", GOOD_BELL, metadata=np.array('{"x": NaN}')),
        "extra-key": _records_members("two-copy", GOOD_BELL, extra=np.zeros(2)),
        "recipes-three": _records_members("single-copy", GOOD_SHADOW, GOOD_SHADOW + 3),
        "recipes-shape": _records_members("single-copy", GOOD_SHADOW, GOOD_SHADOW[:3]),
        "recipes-missing": _records_members("single-copy", GOOD_SHADOW),
        "huge-bits": _records_members("two-copy", GOOD_BELL, bits=_huge_npy_header((10**12, 4))),
        "huge-recipes": _records_members("single-copy", GOOD_SHADOW, GOOD_SHADOW,
                                         recipes=_huge_npy_header((10**11, 2))),
        "object-bits": _records_members("two-copy", GOOD_BELL, bits=b"\x93NUMPY\x01\x00v\x00{'descr': '|O', "
                                        b"'fortran_order': False, 'shape': (2, 2), }" + b" " * 50 + b"\n"),
    }
    for name, members in npz.items():
        _write_npz(root / f"{name}.npz", members)
    (root / "empty.npz").write_bytes(b"")
    (root / "text.npz").write_text("hello\n")
    (root / "single.npz").write_bytes(_npy_bytes(GOOD_BELL))
    (root / "records.txt").write_text("x\n")
    recirq = root / "recirq"
    recirq.mkdir()
    (recirq / "Q-size-2-pauli-XZ.npy").write_bytes(_npy_bytes(np.zeros((4, 3), np.uint8)))  # wrong width
    (recirq / "Q-size-0-pauli-X.npy").write_bytes(_npy_bytes(np.zeros((4, 0), np.uint8)))
    (recirq / "Q-size-00-pauli-I.npy").write_bytes(_npy_bytes(np.zeros((4, 2), np.uint8)))
    (recirq / "Q-size-2-pauli-XQ.npy").write_bytes(_npy_bytes(np.zeros((4, 4), np.uint8)))
    (recirq / "Q-size-1-pauli-X.npy").write_bytes(_huge_npy_header((10**12, 2)))
    (recirq / "Q-size-3-pauli-XYZ.npy").write_bytes(b"\x93NUMPY garbage")
    (recirq / "Q-size-1-pauli-Z.npy").write_bytes(_npy_bytes(np.full((4, 2), 0.5)))
    (recirq / "Q-size-1-pauli-Y.npy").write_bytes(_npy_bytes(np.full((4, 2), 3, np.uint8)))
    (recirq / "C-size-2-pauli-XX.npy").write_bytes(_npy_bytes(np.zeros((4, 2), np.uint8)))  # no basis file
    (recirq / "C-size-2-pauli-YY.npy").write_bytes(_npy_bytes(np.zeros((4, 2), np.uint8)))
    (recirq / "C-size-2-pauli-YY-basis.npy").write_bytes(_npy_bytes(np.zeros((3, 2), np.uint8)))
    (recirq / "C-size-2-pauli-ZZ.npy").write_bytes(_npy_bytes(np.zeros((4, 2), np.uint8)))
    (recirq / "C-size-2-pauli-ZZ-basis.npy").write_bytes(_npy_bytes(np.full((4, 2), 3, np.uint8)))
    (recirq / "C-size-2-pauli-XY.npy").write_bytes(_npy_bytes(np.zeros((4, 2), np.uint8)))
    (recirq / "C-size-2-pauli-XY-basis.npy").write_bytes(_huge_npy_header((10**12, 2)))
    return root


def _write_dynamics_files(root: pathlib.Path) -> None:
    """Directories of paper-style dynamics files (``classify`` cases), one problem each."""
    name = "1D-scramble-{p}-size-2-depth-5-type-{t}-batch-0-number-{j}.npy"
    bits = np.random.default_rng(0).integers(0, 2, size=(10, 2))
    folders = {
        "good": [(name.format(p="C", t=t, j=j), bits) for t in (0, 1) for j in (0, 1)],
        "one-circuit": [(name.format(p="C", t=1, j=0), bits)],
        "q-width": [(name.format(p="Q", t=t, j=0), np.zeros((10, 3), np.int64)) for t in (0, 1)],
        "float-bits": [(name.format(p="C", t=t, j=0), np.full((10, 2), 0.5)) for t in (0, 1)],
        "bad-type": [(name.format(p="C", t=7, j=0), bits)],
    }
    for folder, files in folders.items():
        (root / "dyn" / folder).mkdir(parents=True)
        for file_name, array in files:
            (root / "dyn" / folder / file_name).write_bytes(_npy_bytes(array))
    (root / "dyn" / "empty").mkdir()


def snapshot(root: pathlib.Path) -> dict[str, str]:
    """Every path under ``root`` -> content hash (files) or ``"dir"``."""
    state = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        state[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return state


# ---------------------------------------------------------------------------------------------
# CLI cases: id -> (arguments, regex the stderr message must match). ``{d}`` is the workspace.
# ---------------------------------------------------------------------------------------------

SAMPLE = ["sample", "pauli-state", "--n", "2", "--pauli", "XZ", "--protocol", "two-copy", "--copies", "8",
          "--seed", "1"]
OUT = ["--out", "{d}/adir/out.npz"]


def sample_case(*changes: str | None, out: list[str] | None = None, drop: str | None = None) -> list[str]:
    """The base ``sample`` arguments with ``--flag value`` pairs replaced or added (a value of
    None adds a switch such as ``--qvm`` alone)."""
    args = list(SAMPLE)
    if drop is not None:
        k = args.index(drop)
        del args[k : k + 2]
    pairs = list(changes)
    for flag, value in zip(pairs[::2], pairs[1::2]):
        if value is None:
            args.append(flag)
        elif flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    return args + (OUT if out is None else out)


CLI_CASES: dict[str, tuple[list[str], str]] = {
    # --- main -------------------------------------------------------------------------------
    "main-no-command": ([], r"command"),
    "main-unknown-command": (["smaple"], r"'smaple'"),
    "main-help-unknown": (["help", "nope"], r"'nope'"),
    # --- sample -----------------------------------------------------------------------------
    "sample-n-zero": (sample_case("--n", "0", "--pauli", ""), r"--n"),
    "sample-n-negative": (sample_case("--n", "-1"), r"--n"),
    "sample-n-str": (sample_case("--n", "two"), r"--n"),
    "sample-n-float": (sample_case("--n", "1.5"), r"--n"),
    "sample-n-mismatch": (sample_case("--n", "3"), r"--n"),
    "sample-pauli-bad-char": (sample_case("--pauli", "XQ"), r"--pauli"),
    "sample-pauli-lower": (sample_case("--pauli", "xz"), r"--pauli"),
    "sample-pauli-empty": (sample_case("--pauli", ""), r"--pauli"),
    "sample-pauli-identity": (sample_case("--pauli", "II"), r"--pauli"),
    "sample-pauli-space": (sample_case("--pauli", "X "), r"--pauli"),
    "sample-alpha-big": (sample_case("--alpha", "1.5"), r"--alpha"),
    "sample-alpha-negative": (sample_case("--alpha", "-0.1"), r"--alpha"),
    "sample-alpha-nan": (sample_case("--alpha", "nan"), r"--alpha"),
    "sample-alpha-inf": (sample_case("--alpha", "inf"), r"--alpha"),
    "sample-alpha-str": (sample_case("--alpha", "strong"), r"--alpha"),
    "sample-sign-zero": (sample_case("--sign", "0"), r"--sign"),
    "sample-sign-str": (sample_case("--sign", "plus"), r"--sign"),
    "sample-protocol-unknown": (sample_case("--protocol", "three-copy"), r"--protocol"),
    "sample-copies-zero": (sample_case("--copies", "0"), r"--copies"),
    "sample-copies-negative": (sample_case("--copies", "-4"), r"--copies"),
    "sample-copies-odd": (sample_case("--copies", "7"), r"--copies"),
    "sample-copies-one-shot-two-copy": (sample_case("--copies", "2"), r"--copies.*2 shots"),
    "sample-copies-one-shot-single-copy": (sample_case("--protocol", "single-copy", "--copies", "1"),
                                           r"--copies.*2 shots"),
    "sample-copies-huge": (sample_case("--copies", str(10**15)), r"--copies.*bytes"),
    "sample-copies-huge-wide": (sample_case("--n", "40", "--pauli", "X" * 40, "--copies", str(10**11)),
                                r"--copies.*bytes"),
    "sample-copies-str": (sample_case("--copies", "many"), r"--copies"),
    "sample-copies-float": (sample_case("--copies", "1e3"), r"--copies"),
    "sample-basis-bad": (sample_case("--protocol", "single-copy", "--basis", "Q"), r"--basis"),
    "sample-basis-length": (sample_case("--protocol", "single-copy", "--basis", "XYZ"), r"--basis"),
    "sample-basis-two-copy": (sample_case("--basis", "X"), r"--basis"),
    "sample-basis-empty": (sample_case("--protocol", "single-copy", "--basis", ""), r"--basis"),
    "sample-backend-unknown": (sample_case("--backend", "nope"), r"--backend"),
    "sample-noise-unknown": (sample_case("--noise", "bogus"), r"noise"),
    "sample-noise-range": (sample_case("--noise", "depolarizing:p1=2"), r"p1"),
    "sample-noise-negative": (sample_case("--noise", "depolarizing:p1=-0.1"), r"p1"),
    "sample-noise-param-unknown": (sample_case("--noise", "depolarizing:q=0.1"), r"'q'"),
    "sample-noise-param-str": (sample_case("--noise", "readout:p01=abc"), r"p01"),
    "sample-noise-empty": (sample_case("--noise", ""), r"noise"),
    "sample-noise-no-value": (sample_case("--noise", "readout:p01"), r"noise|p01"),
    "sample-noise-repeated-key": (sample_case("--noise", "depolarizing:p1=0.1,p1=0.2"), r"p1"),
    "sample-noise-no-params": (sample_case("--noise", "depolarizing"), r"depolarizing"),
    "sample-noise-repeated-term": (sample_case("--noise", "depolarizing:p1=0.1+depolarizing:p1=0.1"),
                                   r"depolarizing"),
    "sample-seed-negative": (sample_case("--seed", "-1"), r"--seed"),
    "sample-seed-str": (sample_case("--seed", "abc"), r"--seed"),
    "sample-seed-float": (sample_case("--seed", "1.5"), r"--seed"),
    "sample-out-empty": (sample_case(out=["--out", ""]), r"--out"),
    "sample-out-dir": (sample_case(out=["--out", "{d}/adir"]), r"--out"),
    "sample-out-dir-npz": (sample_case(out=["--out", "{d}/fig.png"]), r"--out"),
    "sample-out-no-parent": (sample_case(out=["--out", "{d}/missing/x.npz"]), r"--out"),
    "sample-out-parent-file": (sample_case(out=["--out", "{d}/afile/x.npz"]), r"--out"),
    "sample-out-unwritable": (sample_case(out=["--out", "/proc/qmemlearn-x.npz"]), r"--out"),
    "sample-out-missing": (sample_case(out=[]), r"--out"),
    "sample-n-missing": (sample_case(drop="--n"), r"--n"),
    "sample-source-unknown": (["sample", "ghz", *SAMPLE[2:], *OUT], r"SOURCE|source"),
    "sample-unknown-flag": (sample_case("--bogus", "1"), r"--bogus"),
    "sample-cirq-too-big": (sample_case("--n", "40", "--pauli", "X" * 40, "--backend", "cirq"), r"qubits|memory"),
    "sample-calibrate-zero": (sample_case("--calibrate", "0"), r"--calibrate=0 must be an int >= 2"),
    "sample-calibrate-negative": (sample_case("--calibrate", "-3"), r"--calibrate"),
    "sample-calibrate-str": (sample_case("--calibrate", "x"), r"--calibrate"),
    "sample-shots-per-setting-zero": (sample_case("--shots-per-setting", "0"), r"--shots-per-setting=0"),
    "sample-shots-per-setting-not-dividing": (sample_case("--shots-per-setting", "3"),
                                              r"--shots-per-setting=3 .*divides the 4 shots"),
    "sample-processor-unknown": (sample_case("--processor", "nope", "--qvm", None), r"--processor"),
    "sample-processor-no-mode": (sample_case("--processor", "willow_pink"), r"--processor='willow_pink' needs --qvm"),
    "sample-qvm-no-processor": (sample_case("--qvm", None), r"--qvm needs --processor"),
    "sample-qvm-simulator-no-qvm": (sample_case("--qvm-simulator", "qsim"), r"--qvm-simulator='qsim' applies only with --qvm"),
    "sample-project-no-engine": (sample_case("--project", "p1"), r"--project='p1' applies only with --engine"),
    "sample-qvm-and-engine": (sample_case("--processor", "willow_pink", "--qvm", None, "--engine", None), r"--engine"),
    "sample-processor-too-small": (sample_case("--n", "60", "--pauli", "X" * 60, "--processor", "willow_pink", "--qvm", None),
                                   r"n=60 does not fit on willow_pink.*49"),
    # --- estimate ---------------------------------------------------------------------------
    "estimate-missing-file": (["estimate", "{d}/nope.npz", "--observable", "XZ"], r"nope\.npz"),
    "estimate-directory": (["estimate", "{d}/adir", "--observable", "XZ"], r"adir"),
    "estimate-directory-npz": (["estimate", "{d}/fig.png", "--observable", "XZ"], r"fig\.png"),
    "estimate-suffix": (["estimate", "{d}/records.txt", "--observable", "XZ"], r"records\.txt"),
    "estimate-no-observable": (["estimate", "{d}/good.npz"], r"--observable"),
    "estimate-observable-bad-char": (["estimate", "{d}/good.npz", "--observable", "XQ"], r"--observable"),
    "estimate-observable-length": (["estimate", "{d}/good.npz", "--observable", "XZZ"], r"--observable"),
    "estimate-observable-empty": (["estimate", "{d}/good.npz", "--observable", ""], r"--observable"),
    "estimate-observable-lower": (["estimate", "{d}/shadow.npz", "--observable", "xz"], r"--observable"),
    "estimate-observable-second-bad": (["estimate", "{d}/good.npz", "--observable", "XZ", "--observable", "X"],
                                       r"--observable"),
    "estimate-one-shot": (["estimate", "{d}/one-shot.npz", "--observable", "XZ"], r"shot"),
    "estimate-zero-shot": (["estimate", "{d}/zero-shot.npz", "--observable", "XZ"], r"shot"),
    "estimate-unknown-flag": (["estimate", "{d}/good.npz", "--observable", "XZ", "--csv"], r"--csv"),
    "estimate-empty-file": (["estimate", "{d}/empty.npz", "--observable", "XZ"], r"empty\.npz"),
    "estimate-text-file": (["estimate", "{d}/text.npz", "--observable", "XZ"], r"text\.npz"),
    "estimate-npy-as-npz": (["estimate", "{d}/single.npz", "--observable", "XZ"], r"single\.npz"),
    **{
        f"estimate-npz-{name}": (["estimate", f"{{d}}/{name}.npz", "--observable", "XZ"], pattern)
        for name, pattern in {
            "garbage": r"garbage\.npz",
            "wrong-format": r"format",
            "wrong-version": r"format_version",
            "wrong-protocol": r"protocol",
            "missing-bits": r"bits",
            "missing-metadata": r"metadata",
            "bits-two": r"bits",
            "bits-float": r"bits",
            "bits-1d": r"bits",
            "bits-odd": r"bits",
            "metadata-bad-json": r"metadata",
            "metadata-list": r"metadata",
            "metadata-nan": r"metadata",
            "extra-key": r"extra",
            "recipes-three": r"recipes",
            "recipes-shape": r"recipes",
            "recipes-missing": r"recipes",
            "huge-bits": r"bits.*bytes",
            "huge-recipes": r"recipes.*bytes",
            "object-bits": r"bits",
        }.items()
    },
    "estimate-recirq-width": (["estimate", "{d}/recirq/Q-size-2-pauli-XZ.npy", "--observable", "XZ"], r"n=2"),
    "estimate-recirq-size-0": (["estimate", "{d}/recirq/Q-size-0-pauli-X.npy", "--observable", "X"], r"size-0|n=0"),
    "estimate-recirq-size-00": (["estimate", "{d}/recirq/Q-size-00-pauli-I.npy", "--observable", "X"],
                                r"size-00|n=0"),
    "estimate-recirq-bad-pauli": (["estimate", "{d}/recirq/Q-size-2-pauli-XQ.npy", "--observable", "XZ"],
                                  r"pauli"),
    "estimate-recirq-huge": (["estimate", "{d}/recirq/Q-size-1-pauli-X.npy", "--observable", "X"], r"bytes"),
    "estimate-recirq-corrupt": (["estimate", "{d}/recirq/Q-size-3-pauli-XYZ.npy", "--observable", "XYZ"],
                                r"Q-size-3"),
    "estimate-recirq-float": (["estimate", "{d}/recirq/Q-size-1-pauli-Z.npy", "--observable", "Z"], r"dtype"),
    "estimate-recirq-values": (["estimate", "{d}/recirq/Q-size-1-pauli-Y.npy", "--observable", "Y"], r"value"),
    "estimate-recirq-no-basis": (["estimate", "{d}/recirq/C-size-2-pauli-XX.npy", "--observable", "XX"],
                                 r"basis"),
    "estimate-recirq-basis-shape": (["estimate", "{d}/recirq/C-size-2-pauli-YY.npy", "--observable", "YY"],
                                    r"basis"),
    "estimate-recirq-basis-values": (["estimate", "{d}/recirq/C-size-2-pauli-ZZ.npy", "--observable", "ZZ"],
                                     r"basis"),
    "estimate-recirq-basis-huge": (["estimate", "{d}/recirq/C-size-2-pauli-XY.npy", "--observable", "XY"],
                                   r"bytes"),
    "estimate-recirq-missing": (["estimate", "{d}/recirq/Q-size-2-pauli-ZZ.npy", "--observable", "ZZ"],
                                r"Q-size-2-pauli-ZZ"),
    "estimate-calibration-missing": (["estimate", "{d}/good.npz", "--observable", "XZ", "--calibration",
                                      "{d}/none.json"], r"--calibration: readout calibration file not found.*none\.json"),
    "estimate-calibration-directory": (["estimate", "{d}/good.npz", "--observable", "XZ", "--calibration", "{d}/adir"],
                                       r"--calibration: .*adir"),
    "estimate-calibration-not-json": (["estimate", "{d}/good.npz", "--observable", "XZ", "--calibration",
                                       "{d}/configs/not-json.json"], r"--calibration: .*not-json\.json.*JSON"),
    "estimate-calibration-list": (["estimate", "{d}/good.npz", "--observable", "XZ", "--calibration",
                                   "{d}/calibration-list.json"], r"--calibration: .*calibration-list\.json.*dict"),
    "estimate-calibration-keys": (["estimate", "{d}/good.npz", "--observable", "XZ", "--calibration",
                                   "{d}/calibration-keys.json"], r"calibration-keys\.json.*shots"),
    "estimate-calibration-latin1": (["estimate", "{d}/good.npz", "--observable", "XZ", "--calibration",
                                     "{d}/calibration-latin1.json"], r"calibration-latin1\.json.*UTF-8"),
    "estimate-mitigate-no-calibration": (["estimate", "{d}/good.npz", "--observable", "XZ", "--mitigate"],
                                         r"--mitigate: .*good\.npz holds no readout calibration"),
    # --- classify ---------------------------------------------------------------------------
    "classify-missing": (["classify", "{d}/dyn/none"], r"directory=.*none.* is not a directory"),
    "classify-file": (["classify", "{d}/good.npz"], r"is not a directory"),
    "classify-empty": (["classify", "{d}/dyn/empty"], r"holds no 1D-scramble-\*\.npy files"),
    "classify-one-circuit": (["classify", "{d}/dyn/one-circuit"], r"needs >= 2 circuits"),
    "classify-q-width": (["classify", "{d}/dyn/q-width"], r"shape \[shots, 2n\].*\(10, 3\)"),
    "classify-float-bits": (["classify", "{d}/dyn/float-bits"], r"dtype float64"),
    "classify-bad-type": (["classify", "{d}/dyn/bad-type"], r"type-7.*not a paper dynamics file"),
    "classify-rule-unknown": (["classify", "{d}/dyn/good", "--rule", "svm"], r"--rule"),
    "classify-shots-zero": (["classify", "{d}/dyn/good", "--shots", "0"], r"shots=0 must be an int in \[2, 10\]"),
    "classify-shots-too-many": (["classify", "{d}/dyn/good", "--shots", "11"], r"shots=11 must be an int in \[2, 10\]"),
    "classify-shots-str": (["classify", "{d}/dyn/good", "--shots", "all"], r"--shots"),
    # --- reproduce --------------------------------------------------------------------------
    **{
        f"reproduce-task-config-{name}": (
            ["reproduce", _task_config(experiment, [])["experiment"], "--quick", "--config",
             f"{{d}}/configs/{name}.json", "--results", "{d}/adir/r.csv", "--workers", "1", "--no-progress"],
            rf"configs/{name}\.json.*{pattern}",
        )
        for name, (experiment, _, pattern) in TASK_CONFIG_CASES.items()
    },
    "reproduce-processor-no-mode": (["reproduce", "pauli-learning", "--processor", "willow_pink"],
                                    r"--processor='willow_pink' needs --qvm"),
    "reproduce-processor-advantage-map": (["reproduce", "noise-map", "--processor", "willow_pink", "--qvm",
                                           "--config", str(EXPERIMENTS_DIR / "noise_map.json"), "--results",
                                           "{d}/adir/r.csv"], r"--processor: experiment kind 'advantage-map'"),
    "reproduce-engine-dynamics": (["reproduce", "dynamics", "--processor", "willow_pink", "--engine",
                                   "--config", str(EXPERIMENTS_DIR / "dynamics.json"), "--results", "{d}/adir/r.csv"], r"--engine: the dynamics task"),
    "reproduce-engine-workers": (["reproduce", "pauli-learning", "--processor", "willow_pink", "--engine",
                                  "--workers", "2"], r"--engine runs serially"),
    **{
        f"reproduce-config-{name}": (
            ["reproduce", "pauli-learning", "--config", f"{{d}}/configs/{name}.json", "--results",
             "{d}/adir/r.csv", "--figure", "{d}/adir/fig", "--workers", "1", "--no-progress"],
            rf"configs/{name}\.json.*{pattern}",
        )
        for name, (_, pattern) in CONFIG_CASES.items()
    },
    **{
        f"reproduce-config-{name}": (
            ["reproduce", "pauli-learning", "--config", f"{{d}}/configs/{name}.json", "--results",
             "{d}/adir/r.csv", "--workers", "1", "--no-progress"],
            rf"configs/{name}\.json",
        )
        for name in [*RAW_CONFIGS, "latin1"]
    },
    "reproduce-config-no-quick": (["reproduce", "pauli-learning", "--quick", "--config", "{d}/configs/no-quick.json",
                                   "--results", "{d}/adir/r.csv", "--workers", "1"], r"quick"),
    "reproduce-config-missing": (["reproduce", "pauli-learning", "--config", "{d}/configs/none.json"], r"none\.json"),
    "reproduce-config-directory": (["reproduce", "pauli-learning", "--config", "{d}/adir"], r"--config|adir"),
    "reproduce-experiment-unknown": (["reproduce", "pauli-learnin"], r"experiment|pauli-learnin"),
    "reproduce-workers-zero": (["reproduce", "pauli-learning", "--workers", "0"], r"--workers"),
    "reproduce-workers-negative": (["reproduce", "pauli-learning", "--workers", "-2"], r"--workers"),
    "reproduce-workers-str": (["reproduce", "pauli-learning", "--workers", "all"], r"--workers"),
    "reproduce-results-directory": (["reproduce", "pauli-learning", "--results", "{d}/adir", "--workers", "1"],
                                    r"--results"),
    "reproduce-results-parent-file": (["reproduce", "pauli-learning", "--results", "{d}/afile/r.csv",
                                       "--workers", "1"], r"--results"),
    "reproduce-results-unwritable": (["reproduce", "pauli-learning", "--results", "/proc/qmemlearn-r.csv",
                                      "--workers", "1"], r"--results"),
    "reproduce-results-wrong-header": (["reproduce", "pauli-learning", "--results", "{d}/wrong_header.csv",
                                        "--workers", "1"], r"wrong_header\.csv.*header"),
    "reproduce-results-latin1": (["reproduce", "pauli-learning", "--results", "{d}/latin1.csv", "--workers", "1"],
                                 r"latin1\.csv.*UTF-8"),
    "reproduce-results-npz": (["reproduce", "pauli-learning", "--results", "{d}/good.npz", "--workers", "1"],
                              r"good\.npz"),
    "reproduce-figure-parent-file": (["reproduce", "pauli-learning", "--results", "{d}/adir/r.csv",
                                      "--figure", "{d}/afile/fig", "--workers", "1"], r"--figure"),
    "reproduce-figure-is-directory": (["reproduce", "pauli-learning", "--results", "{d}/adir/r.csv",
                                       "--figure", "{d}/fig", "--workers", "1"], r"--figure"),
    "reproduce-dask-unreachable": (["reproduce", "pauli-learning", "--results", "{d}/adir/r.csv",
                                    "--dask", "tcp://127.0.0.1:9", "--no-progress"], r"--dask"),
    "reproduce-dask-bad-address": (["reproduce", "pauli-learning", "--results", "{d}/adir/r.csv",
                                    "--dask", "nonsense://x", "--no-progress"], r"--dask"),
    "reproduce-unknown-flag": (["reproduce", "pauli-learning", "--fast"], r"--fast"),
    # --- figures ----------------------------------------------------------------------------
    "figures-figure-parent-file": (["figures", "pauli-learning", "--figure", "{d}/afile/fig"], r"--figure"),
    "figures-figure-is-directory": (["figures", "pauli-learning", "--figure", "{d}/fig"], r"--figure"),
    "figures-results-missing": (["figures", "pauli-learning", "--results", "{d}/adir/none.csv"], r"none\.csv"),
    "figures-results-directory": (["figures", "pauli-learning", "--results", "{d}/adir"], r"--results"),
    "figures-results-wrong-header": (["figures", "pauli-learning", "--results", "{d}/wrong_header.csv"], r"header"),
    "figures-results-latin1": (["figures", "pauli-learning", "--results", "{d}/latin1.csv"], r"UTF-8"),
    "figures-config-bad": (["figures", "pauli-learning", "--config", "{d}/configs/trials-zero.json"], r"'trials'"),
    "figures-config-missing": (["figures", "pauli-learning", "--config", "{d}/configs/none.json"], r"none\.json"),
    "figures-quick-missing-mode": (["figures", "pauli-learning", "--quick", "--config", "{d}/configs/no-quick.json"], r"quick"),
    "figures-unknown-flag": (["figures", "--slow"], r"--slow"),
    "figures-experiment-unknown": (["figures", "nope"], r"nope"),
}

def _cli_params():
    for name, (args, pattern) in CLI_CASES.items():
        yield pytest.param(args, pattern, id=name)


@pytest.fixture
def fast_dask_timeout(monkeypatch):
    """Keeps the unreachable-scheduler case short."""
    from qmemlearn.cli import reproduce

    monkeypatch.setattr(reproduce, "DASK_CONNECT_TIMEOUT_SECONDS", 1.0)


@pytest.mark.parametrize("args, pattern", list(_cli_params()))
def test_cli_bad_input(args, pattern, workspace, monkeypatch, capsys, fast_dask_timeout):
    monkeypatch.chdir(workspace)
    before = snapshot(workspace)
    args = [a.replace("{d}", str(workspace)) for a in args]
    code = main(command_line_args=args)
    captured = capsys.readouterr()
    assert code != 0, f"accepted wrongly: {args}\nstdout: {captured.out}\nstderr: {captured.err}"
    assert "Traceback" not in captured.err
    assert "error" in captured.err, captured.err
    assert _search(pattern, captured.err), f"message does not match {pattern!r}:\n{captured.err}"
    assert snapshot(workspace) == before, "a file in the workspace was created or changed"


def _search(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text, re.DOTALL) is not None


# ---------------------------------------------------------------------------------------------
# API cases: id -> (callable, exception type, regex).
# ---------------------------------------------------------------------------------------------


def _rng():
    return np.random.default_rng(0)


def _bell(**kwargs):
    return qmemlearn.BellRecord(**{"bits": GOOD_BELL, **kwargs})


def _shadow(**kwargs):
    return qmemlearn.ShadowRecord(**{"bits": GOOD_SHADOW, "recipes": GOOD_SHADOW, **kwargs})


def _sample(**kwargs):
    arguments = {
        "source": qmemlearn.PauliMixedState("XZ"), "protocol": qmemlearn.TwoCopyProtocol(), "copies": 8,
        "sampler": qmemlearn.ClusterSampler(seed=1), "rng": _rng(), **kwargs,
    }
    return qmemlearn.sample_records(arguments.pop("source"), arguments.pop("protocol"), **arguments)


def _shots(protocol, copies):
    from qmemlearn.protocols import shots_for_copies

    return shots_for_copies(protocol, copies)


def _protocol(name, **kwargs):
    from qmemlearn.protocols import make_protocol

    return make_protocol(name, **kwargs)


def _executor(*args):
    from qmemlearn.analysis.executors import make_executor

    return make_executor(*args)


def _config(path, mode):
    from qmemlearn.analysis.experiment import ExperimentConfig

    return ExperimentConfig.from_file(path, mode=mode)


def _load_calibration(path):
    from qmemlearn.protocols.calibration import ReadoutCalibration

    return ReadoutCalibration.load(path)


def _dynamics_backend(width, noise, backend):
    from qmemlearn.tasks.dynamics_outcomes import choose_backend

    return choose_backend(width, noise, backend)


def _parse_name(name):
    from qmemlearn.records import parse_recirq_name

    return parse_recirq_name(name)


API_CASES: dict[str, tuple[object, type, str]] = {
    # Pauli strings
    "validate-pauli-char": (lambda: qmemlearn.validate_pauli("XQ"), ValueError, r"pauli.*'Q'"),
    "validate-pauli-empty": (lambda: qmemlearn.validate_pauli(""), ValueError, r"pauli"),
    "validate-pauli-int": (lambda: qmemlearn.validate_pauli(5), ValueError, r"pauli"),
    "validate-pauli-none": (lambda: qmemlearn.validate_pauli(None), ValueError, r"pauli"),
    "validate-pauli-length": (lambda: qmemlearn.validate_pauli("XZ", n=3), ValueError, r"pauli"),
    "validate-pauli-lower": (lambda: qmemlearn.validate_pauli("xz"), ValueError, r"pauli"),
    "random-pauli-zero": (lambda: qmemlearn.random_pauli(0, _rng()), ValueError, r"n"),
    "random-pauli-negative": (lambda: qmemlearn.random_pauli(-1, _rng()), ValueError, r"n"),
    "random-pauli-str": (lambda: qmemlearn.random_pauli("2", _rng()), ValueError, r"n"),
    "random-pauli-rng-none": (lambda: qmemlearn.random_pauli(2, None), ValueError, r"rng"),
    "random-pauli-rng-int": (lambda: qmemlearn.random_pauli(2, 7), ValueError, r"rng"),
    "random-pauli-exclude-all": (lambda: qmemlearn.random_pauli(1, _rng(), exclude=["X", "Y", "Z", "I"]),
                                 ValueError, r"exclud"),
    # sources
    "state-pauli-char": (lambda: qmemlearn.PauliMixedState("XQ"), ValueError, r"pauli"),
    "state-identity": (lambda: qmemlearn.PauliMixedState("II"), ValueError, r"pauli"),
    "state-alpha-big": (lambda: qmemlearn.PauliMixedState("X", alpha=2.0), ValueError, r"alpha"),
    "state-alpha-nan": (lambda: qmemlearn.PauliMixedState("X", alpha=float("nan")), ValueError, r"alpha"),
    "state-alpha-str": (lambda: qmemlearn.PauliMixedState("X", alpha="0.9"), ValueError, r"alpha"),
    "state-sign-zero": (lambda: qmemlearn.PauliMixedState("X", sign=0), ValueError, r"sign"),
    "state-sign-bool": (lambda: qmemlearn.PauliMixedState("X", sign=True), ValueError, r"sign"),
    "state-pauli-int": (lambda: qmemlearn.PauliMixedState(3), ValueError, r"pauli"),
    # protocols, shots and copies
    "protocol-unknown": (lambda: _protocol("three-copy"), ValueError, r"protocol"),
    "single-copy-basis-bad": (lambda: qmemlearn.SingleCopyProtocol(basis="Q"), ValueError, r"basis"),
    "single-copy-basis-empty": (lambda: qmemlearn.SingleCopyProtocol(basis=""), ValueError, r"basis"),
    "single-copy-basis-int": (lambda: qmemlearn.SingleCopyProtocol(basis=1), ValueError, r"basis"),
    "shots-zero": (lambda: _shots(qmemlearn.SingleCopyProtocol(), 0), ValueError, r"copies"),
    "shots-negative": (lambda: _shots(qmemlearn.SingleCopyProtocol(), -2), ValueError, r"copies"),
    "shots-float": (lambda: _shots(qmemlearn.SingleCopyProtocol(), 2.0), ValueError, r"copies"),
    "shots-str": (lambda: _shots(qmemlearn.SingleCopyProtocol(), "4"), ValueError, r"copies"),
    "shots-bool": (lambda: _shots(qmemlearn.SingleCopyProtocol(), True), ValueError, r"copies"),
    "shots-odd-two-copy": (lambda: _shots(qmemlearn.TwoCopyProtocol(), 3), ValueError, r"copies"),
    # sampling
    "sample-copies-zero": (lambda: _sample(copies=0), ValueError, r"copies"),
    "sample-copies-odd": (lambda: _sample(copies=5), ValueError, r"copies"),
    "sample-copies-huge": (lambda: _sample(copies=10**15), ValueError, r"copies.*bytes"),
    "sample-rng-none": (lambda: _sample(rng=None), ValueError, r"rng"),
    "sample-rng-int": (lambda: _sample(rng=3), ValueError, r"rng"),
    "sample-rng-list-length": (lambda: _sample(rng=[_rng(), _rng()]), ValueError, r"rng"),
    "sample-sampler-none": (lambda: _sample(sampler=None), ValueError, r"sampler"),
    "sample-sampler-str": (lambda: _sample(sampler="fast"), ValueError, r"sampler"),
    "sample-metadata-list": (lambda: _sample(metadata=[1]), ValueError, r"metadata"),
    "sample-source-none": (lambda: _sample(source=None), ValueError, r"source"),
    "sample-protocol-none": (lambda: _sample(protocol=None), ValueError, r"protocol"),
    "sample-batch-empty": (lambda: qmemlearn.sample_batch([], qmemlearn.TwoCopyProtocol(), copies=4,
                                                          sampler=qmemlearn.ClusterSampler(), rng=_rng()),
                           ValueError, r"sources"),
    "sample-batch-mixed-n": (lambda: qmemlearn.sample_batch(
        [qmemlearn.PauliMixedState("X"), qmemlearn.PauliMixedState("XZ")], qmemlearn.TwoCopyProtocol(),
        copies=4, sampler=qmemlearn.ClusterSampler(), rng=_rng()), ValueError, r"\bn\b"),
    # samplers and noise
    "make-sampler-unknown": (lambda: qmemlearn.make_sampler("nope"), ValueError, r"backend"),
    "make-sampler-none": (lambda: qmemlearn.make_sampler(None), ValueError, r"backend"),
    "make-sampler-noise": (lambda: qmemlearn.make_sampler("fast", noise="bogus"), ValueError, r"noise"),
    "make-sampler-seed-str": (lambda: qmemlearn.make_sampler("fast", seed="abc"), ValueError, r"seed"),
    "make-sampler-seed-negative": (lambda: qmemlearn.make_sampler("fast", seed=-1), ValueError, r"seed"),
    "make-sampler-seed-float": (lambda: qmemlearn.make_sampler("cirq", seed=1.5), ValueError, r"seed"),
    "cluster-sampler-seed-str": (lambda: qmemlearn.ClusterSampler(seed="abc"), ValueError, r"seed"),
    "cluster-sampler-clusters": (lambda: qmemlearn.ClusterSampler(max_cluster_qubits=0), ValueError,
                                 r"max_cluster_qubits"),
    "parse-noise-unknown": (lambda: qmemlearn.parse_noise("bogus"), ValueError, r"noise"),
    "parse-noise-int": (lambda: qmemlearn.parse_noise(5), ValueError, r"noise"),
    "parse-noise-range": (lambda: qmemlearn.parse_noise("depolarizing:p1=2"), ValueError, r"p1"),
    "parse-noise-param": (lambda: qmemlearn.parse_noise("depolarizing:x=0.1"), ValueError, r"'x'"),
    "parse-noise-value": (lambda: qmemlearn.parse_noise("readout:p01=abc"), ValueError, r"p01"),
    "parse-noise-empty-term": (lambda: qmemlearn.parse_noise("depolarizing:p1=0.1+"), ValueError, r"noise"),
    "parse-noise-repeated-key": (lambda: qmemlearn.parse_noise("depolarizing:p1=0.1,p1=0.2"), ValueError, r"p1"),
    "parse-noise-no-params": (lambda: qmemlearn.parse_noise("depolarizing"), ValueError, r"depolarizing"),
    "parse-noise-repeated-term": (lambda: qmemlearn.parse_noise("depolarizing:p1=0.1+depolarizing:p1=0.1"),
                                  ValueError, r"depolarizing"),
    "noise-spec-range": (lambda: qmemlearn.NoiseSpec(p1=2.0), ValueError, r"p1"),
    # records
    "shadow-bits-float": (lambda: _shadow(bits=GOOD_SHADOW.astype(float)), ValueError, r"bits"),
    "shadow-bits-3d": (lambda: _shadow(bits=GOOD_SHADOW[None], recipes=GOOD_SHADOW[None]), ValueError, r"bits"),
    "shadow-bits-two": (lambda: _shadow(bits=GOOD_SHADOW + 2), ValueError, r"bits"),
    "shadow-recipes-three": (lambda: _shadow(recipes=GOOD_SHADOW + 3), ValueError, r"recipes"),
    "shadow-shape-mismatch": (lambda: _shadow(recipes=GOOD_SHADOW[:2]), ValueError, r"recipes"),
    "shadow-no-columns": (lambda: _shadow(bits=GOOD_SHADOW[:, :0], recipes=GOOD_SHADOW[:, :0]), ValueError,
                          r"bits"),
    "shadow-metadata-list": (lambda: _shadow(metadata=[1]), ValueError, r"metadata"),
    "shadow-metadata-set": (lambda: _shadow(metadata={"x": {1}}), ValueError, r"metadata"),
    "shadow-metadata-nan": (lambda: _shadow(metadata={"x": float("nan")}), ValueError, r"metadata"),
    "shadow-ragged": (lambda: _shadow(bits=[[0, 1], [0]]), ValueError, r"bits"),
    "bell-odd-width": (lambda: _bell(bits=GOOD_BELL[:, :3]), ValueError, r"bits"),
    "bell-no-columns": (lambda: _bell(bits=GOOD_BELL[:, :0]), ValueError, r"bits"),
    "bell-values": (lambda: _bell(bits=GOOD_BELL - 1.0), ValueError, r"bits"),
    "bell-negative": (lambda: _bell(bits=GOOD_BELL.astype(np.int8) - 1), ValueError, r"bits"),
    "bell-none": (lambda: _bell(bits=None), ValueError, r"bits"),
    "save-records-none": (lambda: qmemlearn.save_records(None, "x.npz"), TypeError, r"record"),
    "save-records-empty-path": (lambda: qmemlearn.save_records(_bell(), ""), ValueError, r"path"),
    "save-records-directory": (lambda: qmemlearn.save_records(_bell(), "."), ValueError, r"path"),
    "load-records-directory": (lambda: qmemlearn.load_records("."), FileNotFoundError, r"records file"),
    "load-records-missing": (lambda: qmemlearn.load_records("/nonexistent/x.npz"), FileNotFoundError, r"x\.npz"),
    "load-any-suffix": (lambda: qmemlearn.load_any("x.csv"), ValueError, r"suffix"),
    "parse-recirq-size-0": (lambda: _parse_name("Q-size-0-pauli-X.npy"), ValueError, r"size|n=0"),
    "parse-recirq-size-00": (lambda: _parse_name("C-size-00-pauli-X.npy"), ValueError, r"size|n=0"),
    "parse-recirq-length": (lambda: _parse_name("Q-size-3-pauli-XZ.npy"), ValueError, r"pauli"),
    "parse-recirq-char": (lambda: _parse_name("Q-size-2-pauli-XQ.npy"), ValueError, r"pauli"),
    # estimators
    "estimate-squared-char": (lambda: qmemlearn.estimate_squared(_bell(), ["XQ"]), ValueError, r"'Q'"),
    "estimate-squared-length": (lambda: qmemlearn.estimate_squared(_bell(), ["XZZ"]), ValueError, r"XZZ|length|n"),
    "estimate-squared-record": (lambda: qmemlearn.estimate_squared(None, ["XZ"]), TypeError, r"record"),
    "estimate-squared-one-shot": (lambda: qmemlearn.estimate_squared(_bell(bits=GOOD_BELL[:1]), ["XZ"]),
                                  ValueError, r"shot"),
    "estimate-squared-shadow-one-shot": (lambda: qmemlearn.estimate_squared(
        _shadow(bits=GOOD_SHADOW[:1], recipes=GOOD_SHADOW[:1]), ["XZ"]), ValueError, r"shot"),
    "estimate-expectation-bell": (lambda: qmemlearn.estimate_expectation(_bell(), ["XZ"]), TypeError, r"record"),
    "estimate-expectation-char": (lambda: qmemlearn.estimate_expectation(_shadow(), ["X?"]), ValueError, r"'\?'"),
    "shadow-squared-shapes": (lambda: qmemlearn.shadow_squared(GOOD_SHADOW, GOOD_SHADOW[:2], ["XZ"]), ValueError,
                              r"recipes"),
    "shadow-expectation-bits": (lambda: qmemlearn.shadow_expectation(GOOD_SHADOW + 2, GOOD_SHADOW, ["XZ"]),
                                ValueError, r"bits"),
    "shadow-purity-recipes": (lambda: qmemlearn.shadow_purity(GOOD_SHADOW, GOOD_SHADOW + 3), ValueError,
                              r"recipes"),
    "bell-squared-odd": (lambda: qmemlearn.bell_squared(GOOD_BELL[:, :3], ["X"]), ValueError, r"bits"),
    "bell-purity-values": (lambda: qmemlearn.bell_purity(GOOD_BELL + 2), ValueError, r"bits"),
    # analysis entry points used by the CLI
    "executor-workers-zero": (lambda: _executor(0), ValueError, r"workers"),
    "executor-workers-str": (lambda: _executor("2"), ValueError, r"workers"),
    "config-mode": (lambda: _config("experiments/pauli_learning.json", "medium"), ValueError, r"mode"),
    "config-missing": (lambda: _config("/nonexistent/c.json", "full"), FileNotFoundError, r"c\.json"),
    # readout calibration files and dynamics backends
    "calibration-load-missing": (lambda: _load_calibration("/nonexistent/cal.json"), FileNotFoundError, r"cal\.json"),
    "dynamics-exact-too-wide": (lambda: _dynamics_backend(40, "ideal", "exact"), ValueError,
                                r"backend='exact'.*40 qubits.*limit is 26"),
    "dynamics-trajectories-ideal": (lambda: _dynamics_backend(8, "ideal", "trajectories"), ValueError,
                                    r"backend='trajectories' is for noisy circuits"),
    "dynamics-mps-noisy": (lambda: _dynamics_backend(8, "depolarizing:p1=0.01", "mps"), ValueError,
                           r"backend='mps' is noiseless"),
    "dynamics-noisy-too-wide": (lambda: _dynamics_backend(30, "depolarizing:p1=0.01", "auto"), ValueError,
                                r"30 qubits.*trajectory limit"),
}

XFAIL_API: dict = {}


def _api_params():
    for name, (call, error, pattern) in API_CASES.items():
        marks = [XFAIL_API[name]] if name in XFAIL_API else []
        yield pytest.param(call, error, pattern, id=name, marks=marks)


@pytest.mark.parametrize("call, error, pattern", list(_api_params()))
def test_api_bad_input(call, error, pattern, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=pattern):
        call()
    assert not list(tmp_path.iterdir()), "a file was created"


def test_counts():
    """At least 150 bad inputs, most of them through the CLI."""
    assert len(CLI_CASES) + len(API_CASES) >= 150
    assert len(CLI_CASES) >= 150
