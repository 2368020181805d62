"""The schema store: packaged files found, every type self-contained and parseable."""

from __future__ import annotations

import json

import avro.schema
import pytest

from broker.errors import SchemaNotFound
from broker.schema_store import SchemaStore, packaged_schemas
from schemas import NAMESPACE, avsc_texts

STORE = packaged_schemas()


def test_one_named_type_per_file_in_the_namespace() -> None:
    texts = avsc_texts()
    assert len(STORE.names()) == len(texts)
    for name in STORE.names():
        assert name.startswith(f"{NAMESPACE}."), name
        assert STORE.file_of(name) in texts


@pytest.mark.parametrize("name", STORE.names())
def test_each_type_stands_alone_for_the_reference_implementation(name: str) -> None:
    """What a writer sends alone must parse alone, in fastavro and in Apache Avro."""
    definition = STORE.definition(name)
    assert json.dumps(definition).count(f'"name": "{name.rsplit(".", 1)[1]}"') >= 1
    parsed = avro.schema.parse(json.dumps(definition))
    assert parsed.fullname == name
    assert len(STORE.fingerprint(name)) == 16


def test_fingerprints_are_stable_and_distinct() -> None:
    prints = {name: STORE.fingerprint(name) for name in STORE.names()}
    assert len(set(prints.values())) == len(prints)
    assert prints == {name: SchemaStore(avsc_texts()).fingerprint(name) for name in prints}


def test_a_dangling_reference_is_named() -> None:
    texts = {
        "a.avsc": json.dumps(
            {
                "type": "record",
                "name": "A",
                "namespace": NAMESPACE,
                "fields": [{"name": "b", "type": f"{NAMESPACE}.Missing"}],
            }
        )
    }
    with pytest.raises(SchemaNotFound, match=r"a\.avsc: unknown type uk\.mash\.v1\.Missing"):
        SchemaStore(texts)


def test_unknown_names_are_refused() -> None:
    with pytest.raises(SchemaNotFound, match=r"no schema named uk\.mash\.v1\.Nothing"):
        STORE.fingerprint("uk.mash.v1.Nothing")


def undocumented(node: object, path: str) -> list[str]:
    """Named types and fields without a doc, and enums without a default, under ``node``."""
    found: list[str] = []
    if isinstance(node, list):
        for branch in node:
            found += undocumented(branch, path)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("record", "enum", "fixed") and not node.get("doc"):
            found.append(f"{path}: {kind} {node['name']} has no doc")
        if kind == "enum" and node.get("default") not in node["symbols"]:
            found.append(f"{path}: enum {node['name']} has no default symbol")
        if kind == "record":
            for field in node["fields"]:
                where = f"{path}.{field['name']}"
                if not field.get("doc"):
                    found.append(f"{where}: field has no doc")
                found += undocumented(field["type"], where)
        if kind == "array":
            found += undocumented(node["items"], path)
        if kind == "map":
            found += undocumented(node["values"], path)
    return found


@pytest.mark.parametrize("file_name", sorted(avsc_texts()))
def test_every_type_and_field_is_documented_and_enums_have_defaults(file_name: str) -> None:
    problems = undocumented(json.loads(avsc_texts()[file_name]), file_name)
    assert problems == []


def test_the_documentation_check_finds_what_is_missing() -> None:
    bare = {
        "type": "record",
        "name": "X",
        "doc": "A record.",
        "fields": [{"name": "kind", "type": {"type": "enum", "name": "K", "symbols": ["A"]}}],
    }
    assert undocumented(bare, "x.avsc") == [
        "x.avsc.kind: field has no doc",
        "x.avsc.kind: enum K has no doc",
        "x.avsc.kind: enum K has no default symbol",
    ]
