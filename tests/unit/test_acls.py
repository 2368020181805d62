"""The ACLs derived from the catalogue: each principal may touch only what it needs."""

from __future__ import annotations

import dataclasses

import pytest

from broker.acls import (
    Acl,
    Operation,
    PatternType,
    ResourceType,
    derive_acls,
    topic_access,
)
from broker.authority import load_authority
from broker.catalogue import Agency, TopicSpec, catalogue, request_topic, team_topic, topic_name
from broker.errors import ConfigurationError

TEAMS = load_authority().team_keys()
PREFIX = "wigan."
SPECS = catalogue(TEAMS, PREFIX)
ACLS = derive_acls(SPECS, TEAMS, PREFIX)
AGENCIES = {f"User:{agency.value}" for agency in Agency}


def topics(principal: str, operation: Operation) -> set[str]:
    """The literal topics ``principal`` is granted ``operation`` on."""
    return {
        acl.resource_name
        for acl in ACLS
        if acl.principal == principal
        and acl.resource_type is ResourceType.TOPIC
        and acl.pattern_type is PatternType.LITERAL
        and acl.operation is operation
    }


def holders(topic: str, operation: Operation) -> set[str]:
    """Everyone granted ``operation`` on ``topic`` (literally or by a prefix)."""
    return {
        acl.principal
        for acl in ACLS
        if acl.resource_type is ResourceType.TOPIC
        and acl.operation in (operation, Operation.ALL)
        and (
            acl.resource_name == topic
            if acl.pattern_type is PatternType.LITERAL
            else topic.startswith(acl.resource_name)
        )
    }


def name(stream: str) -> str:
    return topic_name(stream, PREFIX)


# Who may read and write each topic, stated here independently of broker/acls.py.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    name("contacts"): ({"User:worker"}, {"User:intake", "User:console"}),
    name("allocations"): ({"User:worker"}, {"User:social_care"}),
    name("responses"): ({"User:worker"}, AGENCIES),
    name("shared"): ({"User:worker"}, {"User:worker"}),
    name("pictures"): ({"User:worker"}, {"User:worker"}),
    name("notifications"): ({"User:console"}, {"User:worker"}),
    name("decisions"): ({"User:console"}, {"User:console"}),
    name("audit.pending"): (
        {"User:audit-writer"},
        AGENCIES | {"User:worker", "User:intake", "User:console"},
    ),
    name("audit"): (
        {"User:audit-writer", "User:compliance", "User:console"},
        {"User:audit-writer"},
    ),
    name("deadletter"): (set(), AGENCIES | {"User:worker", "User:intake", "User:audit-writer"}),
    **{request_topic(a, PREFIX): ({f"User:{a.value}"}, {"User:worker"}) for a in Agency},
    # The console holds every team's sealed pictures, opening each only for its team's staff.
    **{team_topic(t, PREFIX): ({f"User:team-{t}", "User:console"}, {"User:worker"}) for t in TEAMS},
}


def test_every_catalogue_topic_has_a_stated_access() -> None:
    # A topic added to the catalogue must be added to EXPECTED (and to acls.py).
    assert {spec.name for spec in SPECS} == set(EXPECTED)


@pytest.mark.parametrize("topic", sorted(EXPECTED))
def test_readers_and_writers_of_each_topic(topic: str) -> None:
    readers, writers = EXPECTED[topic]
    assert holders(topic, Operation.READ) == readers
    assert holders(topic, Operation.WRITE) == writers


def test_a_topic_without_access_rules_is_refused() -> None:
    extra = TopicSpec(name("gossip"), 1, "uk.mash.v1.Contact", "case_id", "not thought through")
    with pytest.raises(ConfigurationError, match="no access rules"):
        derive_acls((*SPECS, extra), TEAMS, PREFIX)
    with pytest.raises(ConfigurationError):
        topic_access(name("gossip"), TEAMS, PREFIX)


def test_police_reads_only_its_own_requests() -> None:
    assert topics("User:police", Operation.READ) == {request_topic(Agency.POLICE, PREFIX)}
    assert topics("User:police", Operation.WRITE) == {
        name("responses"),
        name("audit.pending"),
        name("deadletter"),
    }


def test_no_connector_writes_the_audit_or_a_team_topic() -> None:
    forbidden = {name("audit")} | {team_topic(t, PREFIX) for t in TEAMS}
    for principal in AGENCIES:
        assert not topics(principal, Operation.WRITE) & forbidden, principal


def test_only_the_audit_writer_writes_the_audit() -> None:
    assert holders(name("audit"), Operation.WRITE) == {"User:audit-writer"}


def test_compliance_only_reads_the_audit() -> None:
    mine = [acl for acl in ACLS if acl.principal == "User:compliance"]
    assert [(a.resource_name, a.operation) for a in mine] == [(name("audit"), Operation.READ)]


def test_each_team_reads_only_its_own_topic() -> None:
    assert len(TEAMS) >= 2
    for team in TEAMS:
        mine = [acl for acl in ACLS if acl.principal == f"User:team-{team}"]
        assert [(a.resource_name, a.operation) for a in mine] == [
            (team_topic(team, PREFIX), Operation.READ)
        ]


def test_consumer_groups_are_granted_to_their_owners_only() -> None:
    groups = {
        (acl.principal, acl.resource_name)
        for acl in ACLS
        if acl.resource_type is ResourceType.GROUP
    }
    assert groups == {
        *((f"User:{a.value}", f"{PREFIX}mash.connector.{a.value}") for a in Agency),
        ("User:worker", f"{PREFIX}mash-exchange"),
        ("User:audit-writer", f"{PREFIX}mash-audit-writer"),
    }


def test_faust_internal_topics_are_the_workers_under_its_app_id() -> None:
    prefixed = [acl for acl in ACLS if acl.pattern_type is PatternType.PREFIXED]
    assert {acl.principal for acl in prefixed} == {"User:worker"}
    assert {acl.resource_name for acl in prefixed} == {f"{PREFIX}mash-exchange-"}
    assert Operation.CREATE in {acl.operation for acl in prefixed}
    # The prefix must not cover any catalogue topic.
    assert not any(spec.name.startswith(f"{PREFIX}mash-exchange-") for spec in SPECS)
    changelog = f"{PREFIX}mash-exchange-cases-changelog"
    assert holders(changelog, Operation.READ) == {"User:worker"}


def test_no_wildcards_denials_or_cluster_grants() -> None:
    for acl in ACLS:
        assert acl.permission.name == "ALLOW"
        assert acl.host == "*"
        assert acl.principal != "User:*"
        assert "*" not in acl.resource_name
        assert acl.resource_type in (ResourceType.TOPIC, ResourceType.GROUP)
        assert acl.operation is not Operation.ALL


def test_acls_are_sorted_and_unique() -> None:
    assert list(ACLS) == sorted(set(ACLS))
    assert isinstance(ACLS[0], Acl)
    assert dataclasses.replace(ACLS[0]) == ACLS[0]


def test_dry_run_prints_the_table_without_a_broker() -> None:
    from click.testing import CliRunner

    from mash.cli import mash

    result = CliRunner().invoke(
        mash, ["security", "apply", "--dry-run", "--bootstrap", "127.0.0.1:1"]
    )
    assert result.exit_code == 0, result.output
    assert "User:compliance" in result.output
    assert "dry run: nothing sent" in result.output
