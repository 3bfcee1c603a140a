"""Checks of the files a command will write, done before any work so that a bad path fails at
once with a message naming the flag, and nothing is created."""

from __future__ import annotations

import os
import pathlib
import tempfile


def _existing_ancestor(path: pathlib.Path) -> pathlib.Path:
    """The nearest ancestor of ``path`` (its parent first) that exists."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def check_writable_file(path: pathlib.Path, flag: str, *, create_parents: bool) -> None:
    """Checks that ``path`` can be written as a regular file, creating and changing nothing.

    Args:
        path: The file to be written.
        flag: The command-line flag that named it (starts every message).
        create_parents: Whether missing parent directories will be created by the writer.

    Raises:
        ValueError: If the path is empty or a directory, its parent is a file or missing (when
            ``create_parents`` is False), or the file or its directory is not writable.
    """
    shown = f"{flag}={str(path)!r}"
    if not str(path) or path.name in ("", ".", ".."):
        raise ValueError(f"{shown} must name a file")
    if path.is_dir():
        raise ValueError(f"{shown} is a directory; give a file path")
    ancestor = path.parent if path.parent.exists() else _existing_ancestor(path)
    if not ancestor.is_dir():
        raise ValueError(f"{shown}: {str(ancestor)!r} is a file, not a directory")
    if ancestor != path.parent and not create_parents:
        raise ValueError(f"{shown}: the directory {str(path.parent)!r} does not exist")
    if path.exists():
        try:
            with open(path, "ab"):
                pass  # opening for append writes nothing and keeps the mtime
        except OSError as error:
            raise ValueError(f"{shown} is not writable: {error.strerror}") from None
        return
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as error:
        raise ValueError(f"{shown}: cannot create files in {str(ancestor)!r}: {error.strerror}") from None


def check_figure_stem(stem: pathlib.Path, flag: str) -> None:
    """Checks that ``<stem>.png`` and ``<stem>.pdf`` can be written (parents are created).

    Raises:
        ValueError: Naming ``flag`` if either target is a directory or not writable.
    """
    if not stem.name:
        raise ValueError(f"{flag}={str(stem)!r} must be a path stem such as figures/fig (no suffix)")
    if stem.is_dir():
        raise ValueError(f"{flag}={str(stem)!r} is a directory; give a path stem such as {stem / 'fig'}")
    for suffix in (".png", ".pdf"):
        check_writable_file(stem.with_name(stem.name + suffix), flag, create_parents=True)


def check_results_table(path: pathlib.Path, flag: str) -> None:
    """Checks that ``path`` is a writable results CSV whose contents (if any) read cleanly.

    Raises:
        ValueError: Naming ``flag`` and the path if it is a directory, unwritable, not UTF-8,
            has a wrong header or a malformed row.
    """
    check_writable_file(path, flag, create_parents=True)
    if not path.exists():
        return
    from qmemlearn.analysis.store import ResultStore

    try:
        ResultStore(path).read()
    except ValueError as error:
        raise ValueError(f"{flag}={str(path)!r} is not a qmemlearn results table: {error}") from None


def check_existing_file(path: pathlib.Path, flag: str) -> None:
    """Checks that ``path`` is an existing regular file.

    Raises:
        FileNotFoundError: If it does not exist.
        ValueError: If it is a directory or another non-regular file.
    """
    if not path.exists():
        raise FileNotFoundError(f"{flag}={str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"{flag}={str(path)!r} is not a regular file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{flag}={str(path)!r} is not readable")
