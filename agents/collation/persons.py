"""Who is who across agencies: the case's people, enriched and merged, and why.

Each agency echoes the contact's ``person_id`` for the subject it found, with its own
view of the person (``recorded_person``) and identifiers. A MATCHED record is merged
into that person: names the picture does not have yet become aliases (an agency's own
alias, previous or known-as name keeps its type), identifiers and addresses are added
without duplicates, a more precise date of birth replaces a rougher one. A possible
match is linked, not merged: a practitioner confirms it.

Two of the case's people may also turn out to be one (a referrer names "Ryan Mercer"
and "Ryan Marsh"; the police know Marsh as Mercer's alias): their agency records are
compared with ``broker.matching.compare`` and merged at ``MATCHED_AT`` or above, under
the person the contact named first. The comparison's thresholds keep a household's
siblings, twins and a junior and senior of one name apart (broker.matching.score).
Every record joined to a person is explained by a ``uk.mash.v1.PersonLink``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.collation.merging import add_identifiers, complete, merge_into
from broker.identity import Identity
from broker.matching import MATCHED_AT, MatchResult, compare

#: Roles of children (uk.mash.v1.PersonRole): two of them are never merged unseen.
CHILD_ROLES = ("CHILD", "SIBLING", "UNBORN_CHILD")
#: Outcomes that mean the agency holds a record of the person (uk.mash.v1.MatchOutcome).
RECORD_OUTCOMES = ("MATCHED", "POSSIBLE_MATCH", "MULTIPLE_POSSIBLE_MATCHES")


@dataclass(frozen=True)
class AgencyRecord:
    """One agency's record of one of the case's people, as shared.

    Attributes:
        agency: the ``uk.mash.v1.Agency`` symbol.
        response_id: the response it came in.
        person_id: the case person id the agency answered about.
        result: the ``uk.mash.v1.SubjectResult`` value.
        person: the agency's view: its ``recorded_person``, or else the case's own
            details of the subject, with the agency's identifiers added.
    """

    agency: str
    response_id: uuid.UUID
    person_id: uuid.UUID
    result: Mapping[str, Any]
    person: Mapping[str, Any]

    @property
    def merges(self) -> bool:
        """Only a confident (MATCHED) record is merged into the person."""
        return bool(self.result["match_outcome"] == "MATCHED")

    @property
    def identifiers(self) -> list[dict[str, Any]]:
        """The agency's own identifiers for the record, not the referrer's."""
        found: list[dict[str, Any]] = []
        recorded = self.result.get("recorded_person") or {}
        add_identifiers(found, self.result.get("matched_identifiers", []))
        add_identifiers(found, recorded.get("identifiers", []))
        return found


@dataclass(frozen=True)
class Merge:
    """Two of the case's people found to be one, and the best evidence for it."""

    kept: uuid.UUID
    folded: uuid.UUID
    match: MatchResult
    kept_record: AgencyRecord | None
    folded_record: AgencyRecord | None


@dataclass(frozen=True)
class Resolution:
    """The picture's people and why each agency record was joined to one of them."""

    persons: list[dict[str, Any]]
    links: list[dict[str, Any]]
    merged_into: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def picture_id(self, person_id: uuid.UUID) -> uuid.UUID:
        """The picture's person for a person id an agency answered about."""
        return self.merged_into.get(person_id, person_id)


def agency_records(
    subjects: Mapping[uuid.UUID, Mapping[str, Any]], shared: Sequence[Mapping[str, Any]]
) -> list[AgencyRecord]:
    """Every agency record of a known person in ``shared``, once per response and person."""
    records: dict[tuple[str, uuid.UUID, uuid.UUID], AgencyRecord] = {}
    for information in shared:
        for result in information.get("subjects", []):
            person_id = result["person_id"]
            if result.get("match_outcome") not in RECORD_OUTCOMES:
                continue
            view = result.get("recorded_person") or subjects.get(person_id)
            if view is None:
                continue
            person = complete({**view, "person_id": person_id})
            add_identifiers(person["identifiers"], result.get("matched_identifiers", []))
            key = (str(information["agency"]), information["response_id"], person_id)
            records.setdefault(
                key, AgencyRecord(key[0], information["response_id"], person_id, result, person)
            )
    return list(records.values())


def find_merges(
    subjects: Mapping[uuid.UUID, Mapping[str, Any]], records: Sequence[AgencyRecord]
) -> list[Merge]:
    """Pairs of the case's people that agency records show to be one person.

    Each pair is judged on its best-matching views, at least one of them an agency's
    MATCHED record (two people the referrer named apart are not merged on the
    referrer's details alone). The person named first is kept.
    """
    views: dict[uuid.UUID, list[tuple[AgencyRecord | None, Identity]]] = {
        person_id: [(None, Identity.from_person(subject))]
        for person_id, subject in subjects.items()
    }
    for record in records:
        if record.merges and record.person_id in views:
            views[record.person_id].append((record, Identity.from_person(record.person)))
    order = list(views)
    merges: list[Merge] = []
    for position, kept in enumerate(order):
        for folded in order[position + 1 :]:
            best: Merge | None = None
            for kept_record, kept_identity in views[kept]:
                for folded_record, folded_identity in views[folded]:
                    if kept_record is None and folded_record is None:
                        continue
                    match = compare(kept_identity, folded_identity)
                    if best is None or match.confidence > best.match.confidence:
                        best = Merge(kept, folded, match, kept_record, folded_record)
            if best is not None and best.match.confidence >= MATCHED_AT:
                merges.append(best)
    return merges


def resolve_persons(
    contact_subjects: Sequence[Mapping[str, Any]], shared: Sequence[Mapping[str, Any]]
) -> Resolution:
    """The case's people as the picture shows them, with a link for every agency record.

    Args:
        contact_subjects: the contact's ``uk.mash.v1.Person`` values, in its order.
        shared: distinct ``uk.mash.v1.SharedInformation`` values, in arrival order.

    Returns:
        The persons (the contact's order; anyone an agency added after them), the
        ``uk.mash.v1.PersonLink`` values, and which person each merged id now is.
    """
    subjects: dict[uuid.UUID, Mapping[str, Any]] = {
        subject["person_id"]: subject for subject in contact_subjects
    }
    records = agency_records(subjects, shared)
    for record in records:
        # An agency's confident record of someone the contact did not name (the policy
        # normally withholds these) still belongs in the picture.
        if record.person_id not in subjects and record.merges:
            subjects[record.person_id] = record.person
    records = [record for record in records if record.person_id in subjects]
    order = {person_id: index for index, person_id in enumerate(subjects)}
    root = {person_id: person_id for person_id in subjects}
    merges: list[Merge] = []
    held: list[Merge] = []
    for merge in find_merges(subjects, records):
        if _both_children(subjects, merge):
            held.append(merge)
            continue
        kept, folded = sorted(
            (_find(root, merge.kept), _find(root, merge.folded)), key=order.__getitem__
        )
        # A pair already joined through a third person needs no second link.
        if kept != folded:
            root[folded] = kept
            merges.append(merge)
    merged_into = {person_id: _find(root, person_id) for person_id in subjects}
    persons = {
        person_id: complete(subject)
        for person_id, subject in subjects.items()
        if merged_into[person_id] == person_id
    }
    for person_id, subject in subjects.items():
        if merged_into[person_id] != person_id:
            merge_into(persons[merged_into[person_id]], subject)
    for record in records:
        if record.merges and record.person_id in merged_into:
            merge_into(persons[merged_into[record.person_id]], record.person)
    links = [_record_link(record, merged_into) for record in records]
    links += [_merge_link(merge, merged_into) for merge in merges]
    links += [_held_link(merge, subjects, merged_into) for merge in held]
    links.sort(key=lambda link: order[link["person_id"]])
    return Resolution(list(persons.values()), links, merged_into)


def _find(root: dict[uuid.UUID, uuid.UUID], person_id: uuid.UUID) -> uuid.UUID:
    while root[person_id] != person_id:
        person_id = root[person_id]
    return person_id


def _evidence(confidence: float | None, fields: Sequence[str]) -> str:
    score = "no confidence given" if confidence is None else f"confidence {confidence:.2f}"
    return f"{score}; {', '.join(fields)}" if fields else score


def _record_link(
    record: AgencyRecord, merged_into: Mapping[uuid.UUID, uuid.UUID]
) -> dict[str, Any]:
    person_id = merged_into.get(record.person_id, record.person_id)
    outcome = record.result["match_outcome"]
    fields = list(record.result.get("matched_fields", []))
    confidence = record.result.get("match_confidence")
    evidence = _evidence(confidence, fields)
    if record.merges:
        reason = (
            f"{record.agency} matched the subject {record.person_id} to its record ({evidence}); "
            "its names, identifiers and addresses are merged in."
        )
    else:
        reason = (
            f"{record.agency} found only a possible match for the subject {record.person_id} "
            f"({outcome}, {evidence}); the record is linked, not merged, until a practitioner "
            "confirms it."
        )
    return _link(person_id, record, confidence, fields, merged=record.merges, reason=reason)


def _merge_link(merge: Merge, merged_into: Mapping[uuid.UUID, uuid.UUID]) -> dict[str, Any]:
    folded_side, kept_side = _side(merge.folded_record), _side(merge.kept_record)
    reason = (
        f"{folded_side} of person {merge.folded} and {kept_side} of person {merge.kept} are "
        f"the same person (broker.matching, "
        f"{_evidence(merge.match.confidence, merge.match.matched_fields)}): {merge.folded} is "
        f"merged into {merged_into[merge.kept]}."
    )
    record = merge.folded_record or merge.kept_record
    assert record is not None  # noqa: S101 - find_merges never pairs two contact views
    link = _link(
        merged_into[merge.kept],
        record,
        merge.match.confidence,
        list(merge.match.matched_fields),
        merged=True,
        reason=reason,
    )
    link["source_person_id"] = merge.folded
    return link


def _both_children(subjects: Mapping[uuid.UUID, Mapping[str, Any]], merge: Merge) -> bool:
    # The referrer named them as two children; merging a sibling into the child would
    # hide another child who may be at risk (Wigan thresholds, Good practice prompts).
    return all(subjects[side].get("role") in CHILD_ROLES for side in (merge.kept, merge.folded))


def _held_link(
    merge: Merge,
    subjects: Mapping[uuid.UUID, Mapping[str, Any]],
    merged_into: Mapping[uuid.UUID, uuid.UUID],
) -> dict[str, Any]:
    roles = " and ".join(str(subjects[side].get("role")) for side in (merge.kept, merge.folded))
    reason = (
        f"{_side(merge.folded_record)} of person {merge.folded} and "
        f"{_side(merge.kept_record)} of person {merge.kept} look like "
        f"one person (broker.matching, "
        f"{_evidence(merge.match.confidence, merge.match.matched_fields)}), but the contact "
        f"names them as two children ({roles}): not merged; a practitioner should check "
        "whether they are one child."
    )
    record = merge.folded_record or merge.kept_record
    assert record is not None  # noqa: S101 - find_merges never pairs two contact views
    return _link(
        merged_into[record.person_id],
        record,
        merge.match.confidence,
        list(merge.match.matched_fields),
        merged=False,
        reason=reason,
    )


def _side(record: AgencyRecord | None) -> str:
    return f"{record.agency}'s record" if record else "the contact's details"


def _link(
    person_id: uuid.UUID,
    record: AgencyRecord,
    confidence: float | None,
    fields: list[str],
    *,
    merged: bool,
    reason: str,
) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "source_person_id": None if person_id == record.person_id else record.person_id,
        "agency": record.agency,
        "response_id": record.response_id,
        "agency_identifiers": record.identifiers,
        "match_confidence": confidence,
        "matched_fields": fields,
        "merged": merged,
        "reason": reason,
    }
