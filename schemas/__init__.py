"""Avro schemas of MASH Exchange, one named type per ``.avsc`` file.

Shipped as package data and read through :mod:`importlib.resources`, so an
installed wheel finds them as a checkout does. Parsing and fingerprints live in
``broker.schema_store``; this package only holds the files.
"""

from __future__ import annotations

from importlib import resources

NAMESPACE = "uk.mash.v1"


def avsc_texts() -> dict[str, str]:
    """Every schema file shipped with the package: file name to JSON text."""
    folder = resources.files(__name__)
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.name.endswith(".avsc")
    }


def released_texts() -> dict[str, dict[str, str]]:
    """Released writer schemas: version to (file name to JSON text).

    ``released/<version>/`` holds the self-contained schema of every message type,
    and of the worker's case state (its table's changelog outlives the worker),
    as that version of MASH Exchange wrote it, so readers can still resolve data
    written by it and the evolution guard can compare against it.
    """
    released = resources.files(__name__) / "released"
    if not released.is_dir():
        return {}
    return {
        version.name: {
            entry.name: entry.read_text(encoding="utf-8")
            for entry in sorted(version.iterdir(), key=lambda item: item.name)
            if entry.name.endswith(".avsc")
        }
        for version in sorted(released.iterdir(), key=lambda item: item.name)
        # Python's own folders (__pycache__ once installed) are not releases.
        if version.is_dir() and not version.name.startswith(("_", "."))
    }
