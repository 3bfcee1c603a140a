"""The paper-style 1-D kernel-PCA embedding of dynamics circuits, and its stored table.

:func:`embedding_scores` simulates 2 × ``circuits_per_class`` brickwork circuits (the same for
every protocol at one seed), spends a fixed number of queries of U on each and embeds them with
the paper's kernel PCA. :func:`stored_embeddings` keeps the result in a small JSON table next to
the experiment's results (``<results stem>-embedding.json``), so ``qmemlearn figures`` redraws
the embedding figure from stored numbers; it simulates only when the table is missing or was
made with other parameters, and says so.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import sys
from typing import Any, Sequence

import numpy as np

from qmemlearn.analysis.atomic_json import write_json_atomically

PROTOCOLS = ("single-copy", "two-copy")
FORMAT = "qmemlearn-dynamics-embedding"


@dataclasses.dataclass(frozen=True)
class Embedding:
    """The 1-D kernel-PCA embedding of one protocol's data.

    Attributes:
        protocol: ``single-copy`` or ``two-copy``.
        queries: Queries of U per circuit (shots × queries per shot).
        scores: ``[circuits]`` first kernel-PCA component, oriented so scrambling circuits
            score higher on average.
        kinds: ``[circuits]`` class of each circuit.
        accuracy: Accuracy up to label swap of the median split of ``scores``.
    """

    protocol: str
    queries: int
    scores: np.ndarray
    kinds: tuple[str, ...]
    accuracy: float


def embedding_scores(
    *, n: int, depth: int, queries: int, circuits_per_class: int, seed: int, protocol: str,
    noise: str = "ideal", backend: str = "auto",
) -> Embedding:
    """Simulates 2·``circuits_per_class`` circuits (the same for every protocol at one seed),
    spends ``queries`` queries of U on each and embeds them with the paper's kernel PCA.

    Raises:
        ValueError: If ``queries`` gives fewer than 2 shots or is not a multiple of the
            protocol's queries per shot, or on an unknown protocol.
    """
    from qmemlearn.analysis.classification import (
        accuracy_up_to_swap, kernel_pca_component, median_split, paper_features,
    )
    from qmemlearn.tasks.dynamics import draw_circuits
    from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes
    from qmemlearn.tasks.registry import get_task

    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol={protocol!r} must be one of {', '.join(PROTOCOLS)}")
    per_shot = get_task("dynamics").shot_cost(protocol)
    shots, remainder = divmod(queries, per_shot)
    if remainder or shots < 2:
        raise ValueError(f"queries={queries} must be a multiple of {per_shot} giving >= 2 shots ({protocol})")
    circuits = draw_circuits(n, depth, circuits_per_class, np.random.SeedSequence(seed, spawn_key=(0,)))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1 + PROTOCOLS.index(protocol),)))
    ones = np.stack([
        circuit_outcomes(c, protocol=protocol, noise=noise, backend=backend).sample_ones(shots, rng)
        for c in circuits
    ])
    scores = kernel_pca_component(paper_features(ones / shots))
    kinds = tuple(c.kind for c in circuits)
    scrambling = np.array([k == "scrambling" for k in kinds])
    if scores[scrambling].mean() < scores[~scrambling].mean():
        scores = -scores
    truth = np.array([c.label for c in circuits])
    return Embedding(protocol, queries, scores, kinds, accuracy_up_to_swap(median_split(scores), truth))


def embedding_path(results_path: str | pathlib.Path) -> pathlib.Path:
    """``results/dynamics/full.csv`` → ``results/dynamics/full-embedding.json``."""
    path = pathlib.Path(results_path)
    return path.with_name(path.stem + "-embedding.json")


def _to_json(embedding: Embedding) -> dict[str, Any]:
    return {"protocol": embedding.protocol, "queries": embedding.queries, "scores": embedding.scores.tolist(),
            "kinds": list(embedding.kinds), "accuracy": embedding.accuracy}


def _from_json(entry: dict[str, Any]) -> Embedding:
    return Embedding(entry["protocol"], int(entry["queries"]), np.asarray(entry["scores"], dtype=float),
                     tuple(entry["kinds"]), float(entry["accuracy"]))


def stored_embeddings(
    path: str | pathlib.Path | None, *, protocols: Sequence[str] = PROTOCOLS, **params: Any
) -> list[Embedding]:
    """The embeddings of ``protocols`` for ``params`` (the keyword arguments of
    :func:`embedding_scores` but ``protocol``), read from ``path`` when it holds exactly these
    parameters, else simulated and written to ``path`` (atomically; a note goes to stderr).

    Args:
        path: The JSON table, or None to simulate without storing.
        protocols: Which protocols to embed. Defaults to both.
        **params: ``n``, ``depth``, ``queries``, ``circuits_per_class``, ``seed``, ``noise``,
            ``backend``.

    Raises:
        ValueError: If ``path`` exists but is not a readable embedding table.
    """
    params = {**{"noise": "ideal", "backend": "auto"}, **params}
    wanted = {"format": FORMAT, "params": params, "protocols": list(protocols)}
    if path is not None and pathlib.Path(path).exists():
        try:
            stored = json.loads(pathlib.Path(path).read_text())
            if {k: stored.get(k) for k in wanted} == wanted:
                return [_from_json(entry) for entry in stored["embeddings"]]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"embedding table {str(path)!r} is malformed ({error}); delete it to re-simulate") from None
    embeddings = [embedding_scores(**params, protocol=protocol) for protocol in protocols]
    if path is not None:
        from qmemlearn.analysis.rows import package_versions

        write_json_atomically(pathlib.Path(path), {**wanted, "versions": package_versions(),
                                                   "embeddings": [_to_json(e) for e in embeddings]})
        print(f"simulated the embedding ({params}) and stored it in {path}", file=sys.stderr)
    return embeddings
