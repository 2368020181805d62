"""The topic catalogue matches DESIGN.md's topics and their retention rules."""

from __future__ import annotations

from broker.authority import load_authority
from broker.catalogue import (
    KEEP_FOREVER,
    Agency,
    CleanupPolicy,
    catalogue,
    request_topic,
    team_topic,
    topic_name,
)
from broker.schema_store import packaged_schemas

TEAMS = load_authority().team_keys()
SPECS = {spec.name: spec for spec in catalogue(TEAMS)}


def test_every_design_topic_is_catalogued() -> None:
    expected = {
        "mash.contacts.v1",
        "mash.allocations.v1",
        "mash.responses.v1",
        "mash.shared.v1",
        "mash.pictures.v1",
        "mash.notifications.v1",
        "mash.audit.v1",
        # Not in DESIGN.md: submissions wait here so only the audit writer writes the audit.
        "mash.audit.pending.v1",
        # Not in DESIGN.md: the MASH decision recorded in the web console (Oldham 5.10).
        "mash.decisions.v1",
        "mash.deadletter.v1",
        *(f"mash.requests.{agency.value}.v1" for agency in Agency),
        *(f"mash.team.{team}.v1" for team in TEAMS),
    }
    assert set(SPECS) == expected


def test_audit_is_kept_forever_and_never_compacted() -> None:
    audit = SPECS["mash.audit.v1"]
    assert audit.cleanup_policy is CleanupPolicy.DELETE
    assert audit.configs()["retention.ms"] == str(KEEP_FOREVER)
    assert audit.configs()["retention.bytes"] == str(KEEP_FOREVER)


def test_allocations_are_compacted_by_child() -> None:
    allocations = SPECS["mash.allocations.v1"]
    assert allocations.cleanup_policy is CleanupPolicy.COMPACT
    assert allocations.key == "child_id"


def test_payload_topics_are_time_limited_and_keyed_by_case() -> None:
    kept_forever = {"mash.audit.v1", "mash.allocations.v1"}
    for name, spec in SPECS.items():
        if name in kept_forever:
            continue
        assert spec.retention_ms > 0, name
        if name != "mash.deadletter.v1":
            assert spec.key == "case_id", name


def test_every_value_schema_ships_with_the_package() -> None:
    store = packaged_schemas()
    missing = sorted({spec.value_schema for spec in SPECS.values()} - set(store.names()))
    assert missing == []


def test_prefix_applies_to_every_name() -> None:
    prefixed = catalogue(TEAMS, "oldham.")
    assert all(spec.name.startswith("oldham.mash.") for spec in prefixed)
    assert request_topic(Agency.POLICE, "x.") == "x.mash.requests.police.v1"
    assert team_topic("edt") == "mash.team.edt.v1"
    assert topic_name("audit", major=2) == "mash.audit.v2"


def test_replication_is_capped_to_the_cluster() -> None:
    spec = SPECS["mash.contacts.v1"]
    assert spec.replication_factor == 3
    assert spec.min_insync_replicas == 2
    single = spec.fitted_to(1)
    assert (single.replication_factor, single.min_insync_replicas) == (1, 1)
    assert spec.fitted_to(5) is spec


def test_pending_and_chained_audit_have_the_same_partitions() -> None:
    pending, chained = SPECS["mash.audit.pending.v1"], SPECS["mash.audit.v1"]
    assert pending.partitions == chained.partitions
    assert pending.retention_ms != KEEP_FOREVER
