"""The topic catalogue: the one place that lists every topic MASH Exchange uses.

Names are ``mash.<stream>.v<major>``. Messages about one case are keyed by
``case_id`` so that they meet on one partition. ``mash topics create`` applies
this catalogue to a broker.

Retention follows data minimisation: topics that carry personal data keep it
only as long as the pipeline may need to replay it (a consumer down over a long
bank-holiday weekend must still catch up); the sharing audit is kept forever and
never compacted, because it is the record of every decision; allocations are
compacted so that the latest allocation of each child is always there.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

DAY_MS = 24 * 60 * 60 * 1000
PAYLOAD_RETENTION_MS = 30 * DAY_MS
DEAD_LETTER_RETENTION_MS = 90 * DAY_MS
KEEP_FOREVER = -1

#: The pending and chained audit topics have the same partitions: the writer
#: chains pending partition N into audit partition N, one chain per partition.
AUDIT_PARTITIONS = 6

#: Replication a production cluster should give every topic; capped to the
#: number of brokers on smaller clusters (and reported when it is).
PRODUCTION_REPLICATION_FACTOR = 3
PRODUCTION_MIN_INSYNC_REPLICAS = 2


class Agency(enum.StrEnum):
    """Partner agencies that answer information requests through a connector."""

    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    HOUSING = "housing"
    PROBATION = "probation"
    SOCIAL_CARE = "social_care"


class CleanupPolicy(enum.StrEnum):
    """Kafka's ``cleanup.policy``."""

    DELETE = "delete"
    COMPACT = "compact"


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the catalogue wants it."""

    name: str
    partitions: int
    value_schema: str
    key: str
    description: str
    cleanup_policy: CleanupPolicy = CleanupPolicy.DELETE
    retention_ms: int = PAYLOAD_RETENTION_MS
    replication_factor: int = PRODUCTION_REPLICATION_FACTOR
    min_insync_replicas: int = PRODUCTION_MIN_INSYNC_REPLICAS

    def configs(self) -> dict[str, str]:
        """The topic-level Kafka configs this spec sets, as the broker reports them."""
        configs = {
            "cleanup.policy": self.cleanup_policy.value,
            "retention.ms": str(self.retention_ms),
            "min.insync.replicas": str(self.min_insync_replicas),
        }
        if self.retention_ms == KEEP_FOREVER:
            configs["retention.bytes"] = str(KEEP_FOREVER)
        return configs

    def fitted_to(self, broker_count: int) -> TopicSpec:
        """This spec with replication no higher than the cluster can hold."""
        replication = min(self.replication_factor, max(broker_count, 1))
        if replication == self.replication_factor:
            return self
        return replace(
            self,
            replication_factor=replication,
            min_insync_replicas=min(self.min_insync_replicas, replication),
        )


def topic_name(stream: str, prefix: str = "", major: int = 1) -> str:
    """The full name of a stream's topic, e.g. ``mash.contacts.v1``."""
    return f"{prefix}mash.{stream}.v{major}"


def request_topic(agency: Agency, prefix: str = "") -> str:
    """The topic that carries information requests to one agency."""
    return topic_name(f"requests.{agency.value}", prefix)


def team_topic(team_key: str, prefix: str = "") -> str:
    """The topic that carries family pictures, encrypted, to one team."""
    return topic_name(f"team.{team_key}", prefix)


def catalogue(team_keys: Iterable[str], prefix: str = "") -> tuple[TopicSpec, ...]:
    """Every topic of the exchange for an authority with these teams.

    Args:
        team_keys: the keys of the authority's teams (from its authority file);
            each gets its own picture topic so access can be granted per team.
        prefix: prepended to every name (the ``MASH_TOPIC_PREFIX`` setting).
    """
    specs = [
        TopicSpec(
            topic_name("contacts", prefix),
            6,
            "uk.mash.v1.Contact",
            "case_id",
            "Contacts (requests for support) from intake.",
        ),
        TopicSpec(
            topic_name("allocations", prefix),
            6,
            "uk.mash.v1.Allocation",
            "child_id",
            "Children already open to a team, from children's social care; latest per child.",
            cleanup_policy=CleanupPolicy.COMPACT,
            retention_ms=KEEP_FOREVER,
        ),
        *(
            TopicSpec(
                request_topic(agency, prefix),
                3,
                "uk.mash.v1.InformationRequest",
                "case_id",
                f"Information requests to {agency.value.replace('_', ' ')}; one topic per "
                "agency so that each agency may read only its own.",
            )
            for agency in Agency
        ),
        TopicSpec(
            topic_name("responses", prefix),
            6,
            "uk.mash.v1.InformationResponse",
            "case_id",
            "Signed information responses from every agency.",
        ),
        TopicSpec(
            topic_name("shared", prefix),
            6,
            "uk.mash.v1.SharedInformation",
            "case_id",
            "What passed the consent and proportionality filters.",
        ),
        TopicSpec(
            topic_name("pictures", prefix),
            6,
            "uk.mash.v1.FamilyPicture",
            "case_id",
            "Collated family picture revisions.",
        ),
        *(
            TopicSpec(
                team_topic(key, prefix),
                3,
                "uk.mash.v1.SealedPicture",
                "case_id",
                f"Family pictures encrypted for the {key} team.",
            )
            for key in team_keys
        ),
        TopicSpec(
            topic_name("decisions", prefix),
            6,
            "uk.mash.v1.MashDecision",
            "case_id",
            "The MASH manager's decision on each contact and its rationale, from the web "
            "console (Oldham 5.10).",
        ),
        TopicSpec(
            topic_name("notifications", prefix),
            3,
            "uk.mash.v1.Notification",
            "case_id",
            "Police notifications, complex safeguarding referrals, escalations, overdue cases.",
        ),
        TopicSpec(
            topic_name("audit.pending", prefix),
            AUDIT_PARTITIONS,
            "uk.mash.v1.AuditSubmission",
            "case_id",
            "Audit records from agents and connectors, each event's together, waiting for the"
            " audit writer to chain them.",
        ),
        TopicSpec(
            topic_name("audit", prefix),
            AUDIT_PARTITIONS,
            "uk.mash.v1.AuditRecord",
            "case_id",
            "The sharing audit: every decision, hash-chained and signed, with signed"
            " checkpoints (uk.mash.v1.AuditCheckpoint). Only the audit writer writes it."
            " Kept forever.",
            retention_ms=KEEP_FOREVER,
        ),
        TopicSpec(
            topic_name("deadletter", prefix),
            3,
            "uk.mash.v1.DeadLetter",
            "source_key",
            "Anything rejected, with the reason and the original bytes.",
            retention_ms=DEAD_LETTER_RETENTION_MS,
        ),
    ]
    return tuple(specs)
