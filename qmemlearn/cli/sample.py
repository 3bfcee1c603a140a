"""``qmemlearn sample``: measure copies of a source with a protocol and save the records.

Example:
    qmemlearn sample pauli-state --n 3 --pauli XYZ --protocol two-copy --copies 2000 \\
        --noise depolarizing:p1=0.001,p2=0.01 --seed 7 --out runs/xyz.npz
"""

from __future__ import annotations

import argparse
import pathlib
import secrets
import shlex
import sys
import time
from typing import Any

import numpy as np

from qmemlearn.cli.common import (
    COPIES_UNIT,
    add_hardware_arguments,
    check_hardware_arguments,
    make_parser,
    run_command,
)
from qmemlearn.cli.paths import check_writable_file

SOURCES = ("pauli-state",)
#: Fewest shots the unbiased estimators (U-statistics over pairs of shots) accept.
MIN_SHOTS = 2
_SEED_DERIVATION = (
    "np.random.SeedSequence(seed).spawn(2): child 0 seeds the per-shot settings, child 1 the sampler"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qmemlearn sample``."""
    from qmemlearn.backends import BACKENDS
    from qmemlearn.protocols import PROTOCOLS

    parser = make_parser(
        "sample",
        description=(
            "Prepare copies of a source state, measure them with a protocol, and save the records\n"
            "(bits, bases and metadata) to one .npz file, written atomically.\n\n" + COPIES_UNIT
        ),
        epilog=(
            "noise specs ('+' joins terms; probabilities in [0, 1]):\n"
            "  ideal                             no noise\n"
            "  depolarizing:p1=0.001,p2=0.01     after each 1-qubit / 2-qubit gate\n"
            "  readout:p01=0.02,p10=0.02         bit flips 0->1 / 1->0 before measuring\n"
            "  amplitude-damping:gamma=0.001     idle decay of every qubit per moment\n\n"
            "examples:\n"
            "  qmemlearn sample pauli-state --n 3 --pauli XYZ --protocol two-copy --copies 2000 \\\n"
            "      --noise depolarizing:p1=0.001,p2=0.01+readout:p01=0.02,p10=0.02 --seed 7 --out xyz.npz\n"
            "  qmemlearn sample pauli-state --n 4 --pauli XYZX --protocol two-copy --copies 20000 \\\n"
            "      --processor willow_pink --qvm --calibrate 5000 --seed 7 --out wp.npz\n"
            "  qmemlearn sample pauli-state --n 4 --pauli XYZX --protocol two-copy --copies 20000 \\\n"
            "      --processor willow_pink --engine --project MY_PROJECT --shots-per-setting 100 --out hw.npz"
        ),
    )
    parser.add_argument(
        "source", choices=SOURCES, metavar="SOURCE",
        help="The state to measure; one of: pauli-state, rho = (I + sign*alpha*P)/2^n.",
    )
    state = parser.add_argument_group("pauli-state options")
    state.add_argument(
        "--n", type=int, metavar="N", required=True, help="System qubits per copy; must equal the length of --pauli."
    )
    state.add_argument(
        "--pauli", required=True, metavar="P",
        help="Hidden Pauli string P of n characters I, X, Y, Z (qubit i = character i).",
    )
    state.add_argument(
        "--alpha", type=float, metavar="A", default=0.9,
        help="Strength alpha in [0, 1], so tr(P rho) = sign*alpha. (default: 0.9)",
    )
    state.add_argument(
        "--sign", type=int, choices=(1, -1), default=1, help="Sign s of tr(P rho) = s*alpha. (default: 1)"
    )
    run = parser.add_argument_group("measurement options")
    run.add_argument(
        "--protocol", required=True, choices=PROTOCOLS,
        help="single-copy: each copy alone in a Pauli basis (1 copy per shot); "
        "two-copy: two copies in the Bell basis (2 copies per shot).",
    )
    run.add_argument(
        "--copies", type=int, required=True, metavar="C",
        help="Copies of rho consumed, > 0. Shots = copies for single-copy and copies/2 for two-copy, "
        "so an odd C is rejected for two-copy.",
    )
    run.add_argument(
        "--basis", default=None, metavar="B",
        help="single-copy only: 'random' (a uniformly random Pauli basis per shot and qubit, "
        "classical shadows), X, Y or Z on every qubit, or n letters from XYZ, one per qubit. "
        "(default: random)",
    )
    run.add_argument(
        "--backend", default="fast", choices=BACKENDS,
        help="Simulator that samples the circuits: fast (exact, vectorized, any noise), cirq "
        "(state vector), density-matrix, qsim (noisy: one trajectory per repetition), stim (Clifford "
        "+ Pauli noise), mps (noiseless), auto (picks the fastest exact one). (default: fast)",
    )
    run.add_argument(
        "--noise", default="ideal", metavar="SPEC",
        help="Noise applied by the backend, e.g. 'depolarizing:p1=0.001,p2=0.01'; see the noise specs "
        "below. (default: ideal)",
    )
    run.add_argument(
        "--seed", type=int, default=None, metavar="S",
        help="Root seed >= 0. It is split with numpy's SeedSequence into independent seeds for the "
        "per-shot settings and for the sampler. (default: a fresh random seed, printed and recorded)",
    )
    run.add_argument(
        "--calibrate", type=int, default=None, metavar="SHOTS",
        help="Before sampling, run the readout-calibration circuits (|0...0> and |1...1>, SHOTS "
        "repetitions each) on the same sampler and store the per-qubit confusion in the record, "
        "for 'qmemlearn estimate --mitigate'. (default: no calibration)",
    )
    run.add_argument(
        "--shots-per-setting", type=int, default=1, metavar="K",
        help="Draw shots/K distinct settings (flips, bases) and repeat each K times in one "
        "run_sweep(repetitions=K), as on hardware; the settings of all chunks go out in one batch. "
        "K must divide the shots. (default: 1, every shot an independent draw)",
    )
    add_hardware_arguments(parser)
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="Records file to write (.npz is appended if missing)."
    )
    return parser


def _check_args(args: argparse.Namespace) -> None:
    """Rejects bad arguments before any work, naming the flag, its value and what is allowed."""
    from qmemlearn.paulis import validate_pauli

    if args.n < 1:
        raise ValueError(f"--n={args.n} must be an int >= 1 (system qubits per copy)")
    if args.calibrate is not None and args.calibrate < 2:
        raise ValueError(f"--calibrate={args.calibrate} must be an int >= 2 (calibration shots per circuit)")
    validate_pauli(args.pauli, name="--pauli")
    if len(args.pauli) != args.n:
        raise ValueError(
            f"--n={args.n} does not match --pauli={args.pauli!r}, which has {len(args.pauli)} characters"
        )
    if set(args.pauli) == {"I"}:
        raise ValueError(f"--pauli={args.pauli!r} must not be the identity; use at least one of X, Y, Z")
    if not 0.0 <= args.alpha <= 1.0:
        raise ValueError(f"--alpha={args.alpha} must be in [0, 1]")
    if args.copies < 1:
        raise ValueError(f"--copies={args.copies} must be an int >= 1 (copies of rho consumed)")
    if args.protocol == "two-copy" and args.copies % 2:
        raise ValueError(
            f"--copies={args.copies} is odd, but --protocol two-copy consumes 2 copies of rho per shot; "
            "use an even number"
        )
    per_shot = 2 if args.protocol == "two-copy" else 1
    if args.copies // per_shot < MIN_SHOTS:
        raise ValueError(
            f"--copies={args.copies} gives {args.copies // per_shot} shot with --protocol {args.protocol}; "
            f"the estimators need at least {MIN_SHOTS} shots, so use --copies >= {MIN_SHOTS * per_shot}"
        )
    if args.basis is not None:
        if args.protocol != "single-copy":
            raise ValueError(f"--basis={args.basis!r} applies only to --protocol single-copy")
        letters_ok = args.basis and not set(args.basis) - set("XYZ") and len(args.basis) in (1, args.n)
        if args.basis != "random" and not letters_ok:
            raise ValueError(
                f"--basis={args.basis!r} must be 'random', one of X, Y, Z, or n={args.n} letters from XYZ"
            )
    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed={args.seed} must be an int >= 0")
    check_hardware_arguments(args)
    if args.processor is not None:
        if args.noise != "ideal":
            raise ValueError(
                f"--noise={args.noise!r} cannot be combined with --processor: the processor brings its own "
                "noise (its calibration with --qvm, the real device with --engine)"
            )
        if args.backend != "fast":
            raise ValueError(f"--backend={args.backend!r} cannot be combined with --processor; use --qvm-simulator")
    if args.shots_per_setting < 1 or (args.copies // per_shot) % args.shots_per_setting:
        raise ValueError(
            f"--shots-per-setting={args.shots_per_setting} must be an int >= 1 that divides the "
            f"{args.copies // per_shot} shots"
        )
    if not args.out:
        raise ValueError("--out='' must name a records file, e.g. runs/xyz.npz")
    out = pathlib.Path(args.out)
    if out.is_dir():
        raise ValueError(f"--out={args.out!r} is a directory; give a file name, e.g. {str(out / 'records.npz')!r}")
    from qmemlearn.records.io import npz_path

    check_writable_file(npz_path(out), "--out", create_parents=False)


def sample_bytes(protocol: str, n: int, shots: int, symbols: int) -> int:
    """Bytes ``qmemlearn sample`` holds at its peak: the sweep columns (``symbols`` float64
    values per shot), the sampled bits and their copy in the record (uint8, n or 2n per shot),
    and the recipes (uint8, n per shot, single-copy only).

    Example:
        >>> sample_bytes("two-copy", 3, 1000, 18)  # n=3 two-copy circuits have 18 symbols
        156000
    """
    width = 2 * n if protocol == "two-copy" else n
    recipes = n if protocol == "single-copy" else 0
    return shots * (8 * symbols + 2 * width + recipes)


def _layout(protocol: Any, n: int, qubit_map: dict | None = None) -> list:
    """The device qubits as strings: n qubits (single-copy) or n pairs [a_i, b_i] (two-copy);
    with ``qubit_map`` (logical -> device, from a placement) the placed device qubits."""
    where = (lambda q: q) if qubit_map is None else qubit_map.__getitem__
    if hasattr(protocol, "pairs"):
        return [[repr(where(a)), repr(where(b))] for a, b in protocol.pairs(n)]
    return [repr(where(q)) for q in protocol.qubits(n)]


def _device_sampler(
    args: argparse.Namespace, circuit: Any, rng: np.random.Generator, *, engine: Any = None
) -> tuple[Any, str, str]:
    """The sampler of ``--processor`` with ``--qvm``/``--engine``, the execution label (stored as
    the record's backend) and the noise label; the QVM's choice of simulator is printed."""
    from qmemlearn.hardware.sampler import device_sampler, qvm_execution

    if args.engine:
        execution, noise = "engine", f"device:{args.processor}"
    else:
        execution, noise = qvm_execution(circuit, args.qvm_simulator), f"google:{args.processor}"
    print(f"qmemlearn sample: --processor {args.processor}: running on {execution}", file=sys.stderr)
    sampler = device_sampler(args.processor, execution=execution, seed=rng, project_id=args.project, engine=engine)
    return sampler, execution, noise


def _sample(args: argparse.Namespace, command_line_args: list[str]) -> int:
    """Validates, samples and saves; returns 0."""
    from qmemlearn.analysis.store import package_versions
    from qmemlearn.backends import make_sampler
    from qmemlearn.noise import parse_noise
    from qmemlearn.protocols import make_protocol, sample_batch, sample_records, shots_for_copies
    from qmemlearn.records import save_records
    from qmemlearn.records.limits import check_allocation
    from qmemlearn.sources import PauliMixedState

    _check_args(args)
    engine = None
    if args.engine:  # opened first: missing credentials fail before anything is sampled or written
        from qmemlearn.hardware.execution import engine_sampler

        engine = engine_sampler(args.processor, args.project)
    source = PauliMixedState(args.pauli, alpha=args.alpha, sign=args.sign)
    basis = None if args.basis in (None, "random") else args.basis
    protocol = make_protocol(args.protocol, **({"basis": basis} if args.protocol == "single-copy" else {}))
    shots = shots_for_copies(protocol, args.copies)
    import cirq

    symbols = len(cirq.parameter_names(protocol.circuit(source)))
    check_allocation(
        sample_bytes(args.protocol, source.n, shots, symbols),
        f"--copies={args.copies} ({shots} shots of {source.n} qubits, {args.protocol})",
    )
    noise = parse_noise(args.noise).to_string()
    seed = secrets.randbits(63) if args.seed is None else args.seed
    settings_seed, sampler_seed = np.random.SeedSequence(seed).spawn(2)
    backend = args.backend
    if args.processor is None:
        sampler = make_sampler(args.backend, noise=noise, seed=np.random.default_rng(sampler_seed))
    else:
        sampler, backend, noise = _device_sampler(
            args, protocol.circuit(source), np.random.default_rng(sampler_seed), engine=engine
        )
    metadata = {
        "seed": seed,
        "seed_derivation": _SEED_DERIVATION,
        "backend": backend,
        "noise": noise,
        "versions": package_versions(),
        "command_line": shlex.join(["qmemlearn", "sample", *command_line_args]),
        "qubit_layout": _layout(
            protocol, source.n, None if args.processor is None else sampler.device_circuit(protocol.circuit(source)).qubit_map
        ),
        "copies": args.copies,
        "copies_unit": "copies of rho consumed (a single-copy shot costs 1 copy, a two-copy shot 2)",
    }
    if args.calibrate is not None:
        from qmemlearn.protocols.calibration import calibrate_readout, record_qubits

        qubits = record_qubits(protocol, source.n)
        if args.processor is None:
            calibration = calibrate_readout(sampler, qubits, shots=args.calibrate)
        else:  # on the very device qubits the experiment is placed on, same execution
            calibration = sampler.calibrate_readout(protocol.circuit(source), qubits, shots=args.calibrate)
        metadata["readout_calibration"] = calibration.to_json_dict()
    start = time.perf_counter()
    rng = np.random.default_rng(settings_seed)
    if args.shots_per_setting == 1 and backend not in ("qvm-qsim", "engine"):
        record = sample_records(source, protocol, copies=args.copies, sampler=sampler, rng=rng, metadata=metadata)
    else:  # a processor's way: distinct settings, K repetitions each, one batch
        from qmemlearn.hardware.batching import HardwareRun

        hardware = HardwareRun(shots_per_setting=args.shots_per_setting)
        (record,) = sample_batch(
            [source], protocol, copies=args.copies, sampler=sampler, rng=rng, metadata=metadata, hardware=hardware
        )
    path = save_records(record, args.out)
    seconds = time.perf_counter() - start
    print(
        f"qmemlearn sample: wrote {path}: {shots} shots, {args.copies} copies of rho "
        f"({args.protocol}), seed={seed}, {seconds:.2f} s",
        file=sys.stderr,
    )
    return 0


def main_sample(*, command_line_args: list[str]) -> int:
    """Runs ``qmemlearn sample``; see ``qmemlearn sample --help``.

    Args:
        command_line_args: The arguments after ``qmemlearn sample``.

    Returns:
        0 on success; 2 on bad input, after printing ``qmemlearn sample: error: ...`` to stderr.
        Nothing is written on error.
    """
    return run_command(build_parser(), command_line_args, lambda args: _sample(args, list(command_line_args)))
