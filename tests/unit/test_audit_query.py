"""Audit queries: which records a filter keeps, and the table, JSON and CSV they print as."""

from __future__ import annotations

import copy
import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from agents.audit import Auditor
from broker.errors import ConfigurationError
from broker.pseudonyms import pseudonym_key
from broker.schema_store import packaged_schemas
from mash.audit_query import (
    AuditFilter,
    as_csv,
    as_json,
    as_table,
    csv_columns,
    person_refs_for,
    select,
)
from tests.examples import (
    AUDIT_RECORD,
    CASE_ID,
    CHILD_ID,
    CHILD_NHS_NUMBER,
    MOTHER_ID,
    MOTHER_NHS_NUMBER,
    PREVIOUS_CASE_ID,
    TEAM_KEY,
)

AT = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def audit_record(number: int, **changes: Any) -> dict[str, Any]:
    """The example AuditRecord with its own id and sequence, ``changes`` applied."""
    record = copy.deepcopy(AUDIT_RECORD)
    record.update(record_id=uuid.UUID(int=number), sequence=number, **changes)
    return record


def the_log() -> list[dict[str, Any]]:
    """One case's audit as a compliance officer reads it back, in log order."""
    return [
        audit_record(
            1, action="NOTIFICATION_RAISED", recorded_at=AT - timedelta(hours=2),
            source_agency=None, recipient={"team_key": None, "agency": "POLICE"},
            rule_id="police-notification", rule_version="3", lawful_basis=[],
        ),
        audit_record(2, recorded_at=AT),  # REDACTED, HEALTH to mash-duty
        audit_record(
            3, action="WITHHELD", recorded_at=AT + timedelta(hours=1), source_agency="POLICE",
            rule_id="sensitive-categories", lawful_basis=["UK_GDPR_ART_6_1_E_PUBLIC_TASK"],
        ),
        audit_record(
            4, action="CONSENT_OVERRIDE", recorded_at=AT + timedelta(hours=2),
            consent_status="REFUSED", consent_overridden=True,
            rule_id="safeguarding-without-consent", lawful_basis=["CHILDREN_ACT_1989_S47"],
        ),
        audit_record(
            5, action="RESPONSE_RECEIVED", recorded_at=AT + timedelta(hours=3),
            actor={"agent": "housing-connector", "agency": "HOUSING"}, source_agency=None,
            recipient={"team_key": "complex-safeguarding", "agency": None}, rule_id=None,
        ),
        audit_record(
            6, action="DEAD_LETTERED", recorded_at=AT + timedelta(hours=4), case_id=None,
            source_agency=None, recipient=None, rule_id=None, lawful_basis=[],
        ),
        audit_record(7, recorded_at=AT + timedelta(hours=5), case_id=PREVIOUS_CASE_ID),
    ]  # fmt: skip


def kept(audit_filter: AuditFilter) -> list[int]:
    """The sequence numbers of the records of :func:`the_log` that ``audit_filter`` keeps."""
    return [record["sequence"] for record in select(the_log(), audit_filter)]


# Each condition alone --------------------------------------------------------------------------


def test_a_filter_without_conditions_keeps_every_record_in_log_order() -> None:
    assert kept(AuditFilter()) == [1, 2, 3, 4, 5, 6, 7]


def test_case_keeps_only_that_cases_records() -> None:
    assert kept(AuditFilter(case_id=PREVIOUS_CASE_ID)) == [7]
    assert kept(AuditFilter(case_id=CASE_ID)) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        ("police", [1, 3]),  # the recipient of a notification; the source of a finding
        ("HOUSING", [5]),  # the agency a connector acted for
        ("Health", [2, 4, 7]),  # the source of a finding
        ("social-care", []),
    ],
)
def test_agency_matches_the_source_the_actor_or_the_recipient_in_any_case(
    agency: str, expected: list[int]
) -> None:
    assert kept(AuditFilter(agency=agency)) == expected


def test_team_matches_the_receiving_team() -> None:
    assert kept(AuditFilter(team="complex-safeguarding")) == [5]
    assert kept(AuditFilter(team=TEAM_KEY)) == [2, 3, 4, 7]


def test_decision_takes_one_action_in_any_case() -> None:
    assert kept(AuditFilter(decision="withheld")) == [3]
    assert kept(AuditFilter(decision="Consent-Override")) == [4]


def test_decision_takes_several_actions() -> None:
    assert kept(AuditFilter(decision=("withheld", "REDACTED"))) == [2, 3, 7]


def test_no_decision_named_keeps_every_action() -> None:
    assert kept(AuditFilter(decision=())) == [1, 2, 3, 4, 5, 6, 7]


def test_lawful_basis_keeps_records_that_rely_on_it() -> None:
    assert kept(AuditFilter(lawful_basis="children_act_1989_s47")) == [4]
    assert kept(AuditFilter(lawful_basis="UK_GDPR_ART_6_1_E_PUBLIC_TASK")) == [2, 3, 5, 7]


def test_consent_overridden_keeps_overrides_or_everything_else() -> None:
    assert kept(AuditFilter(consent_overridden=True)) == [4]
    assert kept(AuditFilter(consent_overridden=False)) == [1, 2, 3, 5, 6, 7]


def test_rule_matches_the_rule_id_exactly() -> None:
    assert kept(AuditFilter(rule="sensitive-categories")) == [3]
    assert kept(AuditFilter(rule="sensitive")) == []


def test_since_is_inclusive_and_until_exclusive() -> None:
    assert kept(AuditFilter(since=AT)) == [2, 3, 4, 5, 6, 7]
    assert kept(AuditFilter(until=AT)) == [1]
    assert kept(AuditFilter(since=AT, until=AT + timedelta(hours=2))) == [2, 3]


def test_times_in_another_zone_compare_as_the_same_instant() -> None:
    bst = timezone(timedelta(hours=1))
    assert kept(AuditFilter(since=datetime(2026, 3, 3, 14, 0, tzinfo=bst))) == [3, 4, 5, 6, 7]


# Conditions together ---------------------------------------------------------------------------


def test_conditions_together_keep_only_records_meeting_all() -> None:
    audit_filter = AuditFilter(
        case_id=CASE_ID, agency="health", decision=["redacted", "consent_override"],
        since=AT, until=AT + timedelta(days=1),
    )  # fmt: skip
    assert kept(audit_filter) == [2, 4]
    assert kept(AuditFilter(agency="police", decision="withheld", rule="sensitive-categories")) == [
        3
    ]
    assert kept(AuditFilter(agency="police", consent_overridden=True)) == []


# People ----------------------------------------------------------------------------------------


def nhs_number(value: str) -> dict[str, Any]:
    return {"scheme": "NHS_NUMBER", "value": value, "issuer": None}


@pytest.fixture
def people_log(tmp_path: Path) -> tuple[bytes, list[dict[str, Any]]]:
    """The pseudonym key and records about the child, the mother and both."""
    key_id, key = pseudonym_key(tmp_path)
    auditor = Auditor("policy", key, key_id)
    child = {"person_id": CHILD_ID, "identifiers": [nhs_number(CHILD_NHS_NUMBER)]}
    mother = {"person_id": MOTHER_ID, "identifiers": [nhs_number(MOTHER_NHS_NUMBER)]}
    records = [
        auditor.record("SHARED", case_id=CASE_ID, now=AT, people=[child], distinct="a"),
        auditor.record("WITHHELD", case_id=CASE_ID, now=AT, people=[mother], distinct="b"),
        auditor.record("REQUEST_ISSUED", case_id=CASE_ID, now=AT, people=[child, mother]),
        auditor.record("OVERDUE", case_id=CASE_ID, now=AT),
    ]
    return key, records


def test_person_keeps_every_record_about_them_by_a_keyed_identifier(
    people_log: tuple[bytes, list[dict[str, Any]]],
) -> None:
    key, records = people_log
    child = AuditFilter(person_refs=person_refs_for(key, [("NHS_NUMBER", "999 000 4129")]))
    assert [r["action"] for r in select(records, child)] == ["SHARED", "REQUEST_ISSUED"]


def test_person_matches_any_of_the_identifiers_given(
    people_log: tuple[bytes, list[dict[str, Any]]],
) -> None:
    key, records = people_log
    refs = person_refs_for(
        key, [("nhs_number", MOTHER_NHS_NUMBER), ("UNIQUE_PUPIL_NUMBER", "E000000000000")]
    )
    assert [r["action"] for r in select(records, AuditFilter(person_refs=refs))] == [
        "WITHHELD",
        "REQUEST_ISSUED",
    ]


def test_person_is_found_only_with_the_key_the_audit_was_made_with(
    people_log: tuple[bytes, list[dict[str, Any]]],
) -> None:
    _, records = people_log
    wrong = person_refs_for(b"\x01" * 32, [("NHS_NUMBER", CHILD_NHS_NUMBER)])
    assert select(records, AuditFilter(person_refs=wrong)) == []


def test_an_empty_set_of_person_refs_keeps_nothing() -> None:
    assert kept(AuditFilter(person_refs=frozenset())) == []


@pytest.mark.parametrize(
    ("key", "identifiers", "message"),
    [
        (b"", [("NHS_NUMBER", CHILD_NHS_NUMBER)], "no pseudonym key"),
        (b"k" * 32, [], "at least one identifier"),
        (b"k" * 32, [("NHS_NUMBER", "  ")], "NHS_NUMBER identifier has no value"),
        (b"k" * 32, [("NHS", CHILD_NHS_NUMBER)], "unknown identifier scheme 'NHS'.*NHS_NUMBER"),
    ],
)
def test_person_refs_need_a_key_and_known_identifiers(
    key: bytes, identifiers: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        person_refs_for(key, identifiers)


# Duplicates ------------------------------------------------------------------------------------


def test_a_record_written_twice_by_a_producer_retry_is_kept_once() -> None:
    log = the_log()
    retry = copy.deepcopy(log[2])
    retry["sequence"] = 99
    log.insert(4, retry)
    assert [r["sequence"] for r in select(log, AuditFilter())] == [1, 2, 3, 4, 5, 6, 7]


def test_a_duplicate_is_dropped_whether_or_not_the_filter_keeps_it() -> None:
    log = the_log()
    log.append(copy.deepcopy(log[2]))
    assert [r["sequence"] for r in select(log, AuditFilter(decision="withheld"))] == [3]


# Refused filters -------------------------------------------------------------------------------


def schema_symbols(enum_name: str) -> list[str]:
    symbols: list[str] = packaged_schemas().definition(enum_name)["symbols"]
    return symbols


def test_an_unknown_decision_is_named_with_every_action_the_schema_knows() -> None:
    with pytest.raises(ConfigurationError, match="unknown decision 'witheld'") as refused:
        AuditFilter(decision=["withheld", "witheld"])
    assert all(symbol in str(refused.value) for symbol in schema_symbols("uk.mash.v1.AuditAction"))


def test_an_unknown_agency_is_named_with_every_agency_the_schema_knows() -> None:
    with pytest.raises(ConfigurationError, match="unknown agency 'polise'") as refused:
        AuditFilter(agency="polise")
    assert all(symbol in str(refused.value) for symbol in schema_symbols("uk.mash.v1.Agency"))


def test_an_unknown_lawful_basis_is_named_with_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown lawful basis 'GDPR'.*CONSENT"):
        AuditFilter(lawful_basis="GDPR")


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="until 2026-03-03 12:00:00 has no time zone"):
        AuditFilter(until=datetime(2026, 3, 3, 12, 0))


def test_since_must_come_before_until() -> None:
    with pytest.raises(ConfigurationError, match="is not before"):
        AuditFilter(since=AT, until=AT)


# The table -------------------------------------------------------------------------------------


def test_the_table_fits_a_100_column_terminal() -> None:
    log = the_log()
    log[3].update(
        reason="a long reason " * 20, rule_id="a-very-long-rule-id-" * 4,
        lawful_basis=schema_symbols("uk.mash.v1.LawfulBasis"), source_agency="SOCIAL_CARE",
        recipient={"team_key": "a-team-key-far-longer-than-any-authority-uses", "agency": None},
        action="NOTIFICATION_RAISED", consent_status="NOT_SOUGHT",
    )  # fmt: skip
    shown = as_table(log)
    assert shown.endswith("\n"), "the record count on stderr starts a line of its own"
    lines = shown.splitlines()
    assert len(lines) == 2 + 2 * len(log)
    assert max(len(line) for line in lines) <= 100
    assert "NOT_SOUGHT override" in lines[2 + 2 * 3]


def test_the_table_shows_each_record_on_a_line_and_its_grounds_under_it() -> None:
    record = audit_record(1, recorded_at=datetime(2026, 3, 3, 13, 31, 6, 45000, tzinfo=UTC))
    record.update(consent_overridden=True, rule_id="early-help-needs-consent")
    summary, grounds = as_table([record]).splitlines()[2:]
    assert summary.split() == [
        "2026-03-03", "13:31:06", "18147c44", "REDACTED", "GIVEN", "override", "HEALTH", TEAM_KEY,
    ]  # fmt: skip
    assert grounds.split() == [
        "early-help-needs-consent@1.2.0", "consent,6(1)(e),9(2)(h)",
        "detail-not-necessary-at-screening",
    ]  # fmt: skip
    assert grounds.startswith("    ")


def test_the_table_shows_times_in_utc_to_the_second() -> None:
    bst = timezone(timedelta(hours=1))
    record = audit_record(1, recorded_at=datetime(2026, 6, 1, 9, 0, 59, 999000, tzinfo=bst))
    assert as_table([record]).splitlines()[2].startswith("2026-06-01 08:00:59  ")


def test_the_table_cuts_a_long_reason_and_shows_no_control_characters() -> None:
    record = audit_record(1, reason="first line\nsecond \x1b[31mline " + "x" * 200)
    grounds = as_table([record]).splitlines()[3]
    assert "first line second ?[31mline x" in grounds
    assert grounds.endswith("...")
    assert len(grounds) == 100


def test_the_table_marks_what_a_record_does_not_hold() -> None:
    record = audit_record(
        1, case_id=None, source_agency=None, recipient=None, rule_id=None, rule_version=None,
        lawful_basis=[], reason=None,
    )  # fmt: skip
    summary, grounds = as_table([record]).splitlines()[2:]
    assert summary.split()[2] == "-"
    assert summary.split()[-2:] == ["-", "-"]
    assert grounds.split() == ["-", "-", "-"]


def test_shortened_lawful_bases_still_say_which_law() -> None:
    acts = audit_record(
        1, lawful_basis=["CHILDREN_ACT_2004_S11", "CRIME_AND_DISORDER_ACT_1998_S115"]
    )
    other = audit_record(2, lawful_basis=["OTHER", "UK_GDPR_ART_9_2_G_SUBSTANTIAL_PUBLIC_INTEREST"])
    table = as_table([acts, other])
    assert "  CA2004 s11,CDA1998 s115  " in table
    assert "  other,9(2)(g)  " in table


# JSON ------------------------------------------------------------------------------------------


def test_json_reads_back_with_ids_times_and_bytes_as_strings() -> None:
    [read] = json.loads(as_json([AUDIT_RECORD]))
    assert read["record_id"] == str(AUDIT_RECORD["record_id"])
    assert read["case_id"] == str(CASE_ID)
    assert read["recorded_at"] == "2026-03-03T12:31:06.045Z"
    assert read["subject_refs"] == [ref.hex() for ref in AUDIT_RECORD["subject_refs"]]
    assert read["signature"] == AUDIT_RECORD["signature"].hex()
    assert read["recipient"] == {"team_key": TEAM_KEY, "agency": None}
    assert read["lawful_basis"] == AUDIT_RECORD["lawful_basis"]
    assert read["consent_overridden"] is False


def test_json_is_an_array_whatever_the_count() -> None:
    assert json.loads(as_json([])) == []
    assert len(json.loads(as_json(the_log()))) == 7


def test_json_keys_come_in_one_order_however_the_record_was_built() -> None:
    reordered = dict(reversed(list(AUDIT_RECORD.items())))
    assert as_json([reordered]) == as_json([AUDIT_RECORD])


# CSV -------------------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_a_header_row_and_one_row_per_record() -> None:
    text = as_csv(the_log())
    assert next(csv.reader(io.StringIO(text))) == list(csv_columns())
    assert [row["sequence"] for row in read_csv(text)] == ["1", "2", "3", "4", "5", "6", "7"]


def test_csv_header_follows_the_schema_with_nested_fields_dotted() -> None:
    fields = [f["name"] for f in packaged_schemas().definition("uk.mash.v1.AuditRecord")["fields"]]
    columns = csv_columns()
    assert list(dict.fromkeys(column.split(".")[0] for column in columns)) == fields
    nested = [column for column in columns if "." in column]
    assert nested == ["actor.agent", "actor.agency", "recipient.team_key", "recipient.agency"]


def test_csv_joins_lists_with_semicolons_and_writes_bytes_in_hex() -> None:
    [row] = read_csv(as_csv([AUDIT_RECORD]))
    assert row["lawful_basis"] == (
        "CONSENT;UK_GDPR_ART_6_1_E_PUBLIC_TASK;UK_GDPR_ART_9_2_H_HEALTH_OR_SOCIAL_CARE"
    )
    assert row["subject_refs"] == AUDIT_RECORD["subject_refs"][0].hex()
    assert row["recorded_at"] == "2026-03-03T12:31:06.045Z"
    assert row["recipient.team_key"] == TEAM_KEY
    assert row["recipient.agency"] == ""
    assert row["consent_overridden"] == "false"


def test_csv_writes_a_record_without_a_recipient_or_case() -> None:
    [row] = read_csv(as_csv([audit_record(1, recipient=None, case_id=None)]))
    assert row["recipient.team_key"] == row["recipient.agency"] == row["case_id"] == ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_csv_cells_that_a_spreadsheet_would_run_as_a_formula_open_as_text(start: str) -> None:
    formula = f'{start}HYPERLINK("http://example.invalid","open")'
    record = audit_record(1, reason=formula, rule_id=formula, categories=[formula, "x"])
    [row] = read_csv(as_csv([record]))
    assert row["reason"] == row["rule_id"] == "'" + formula
    assert row["categories"] == f"'{formula};x"


def test_csv_leaves_ordinary_cells_as_they_are() -> None:
    [row] = read_csv(as_csv([audit_record(1, reason="detail-not-necessary-at-screening")]))
    assert row["reason"] == "detail-not-necessary-at-screening"
    assert row["key_id"] == AUDIT_RECORD["key_id"]
