"""Writing JSON files atomically: a half-written file never carries the final name."""

from __future__ import annotations

import json
import os
import pathlib
import tempfile


def write_json_atomically(path: pathlib.Path, payload: object) -> None:
    """Writes strict JSON (no NaN) under a temporary name in the target directory, then renames it."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2, sort_keys=True, allow_nan=False)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
