"""What the housing records say about a person, as ``uk.mash.v1.Finding`` values.

The rules are those of ``FORMAT.md`` ("Findings"): each tenancy the person has lived in,
who they live with now, rent arrears and possession action, homelessness and temporary
accommodation, and antisocial behaviour and domestic abuse reported at their home.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from connectors import native
from connectors.native import listed, month, spoken, upper_first

if TYPE_CHECKING:
    from connectors.housing.records import Export, Resident, Row

AGENCY = "housing"
HOUSING = "HOUSING_OR_HOMELESSNESS"
TENURES = {
    "SECURE": "secure tenancy",
    "INTRODUCTORY": "introductory tenancy",
    "ASSURED": "assured tenancy",
    "TEMPORARY": "temporary (non-secure) tenancy",
}
RELATIONSHIPS = {
    "SELF": "lead tenant",
    "PARTNER": "partner",
    "SPOUSE": "spouse",
    "CHILD": "child",
    "STEPCHILD": "stepchild",
    "FOSTER_CHILD": "foster child",
    "GRANDCHILD": "grandchild",
    "PARENT": "parent",
    "SIBLING": "sibling",
    "OTHER_RELATIVE": "relative",
    "LODGER": "lodger",
    "OTHER": "other household member",
}
#: Possession stages in the order a case goes through them: wording and severity.
STAGES = {
    "NOSP": ("notice of seeking possession served", "MODERATE"),
    "NOTICE_SEEKING_POSSESSION": ("notice of seeking possession served", "MODERATE"),
    "COURT": ("possession claim issued at court", "MODERATE"),
    "POSSESSION_ORDER": ("possession order made", "SERIOUS"),
    "WARRANT": ("warrant for eviction issued", "SERIOUS"),
    "EVICTED": ("evicted", "SERIOUS"),
}
_STAGE_ORDER = ("NOSP", "COURT", "POSSESSION_ORDER", "WARRANT", "EVICTED")
PLACEMENTS = {
    "B_AND_B": ("bed and breakfast", "MODERATE"),
    "HOSTEL": ("a hostel", "MODERATE"),
    "SELF_CONTAINED": ("self-contained temporary accommodation", "LOW"),
    "REFUGE": ("a refuge", "MODERATE"),
}
REPORT_TYPES = {
    "ASB": ("antisocial_behaviour", "Antisocial behaviour", "LOW", ()),
    "DOMESTIC_ABUSE_REPORT": (
        "domestic_abuse_report",
        "Domestic abuse",
        "MODERATE",
        ("DOMESTIC_ABUSE",),
    ),
}
#: Arrears of fewer weeks' rent are not shared: landlords start recovery at two weeks.
ARREARS_WEEKS = 2
SEVERITY_ORDER = ("UNKNOWN", "NONE", "LOW", "MODERATE", "SERIOUS")


#: A housing finding: ``finding(person_ref, category, source_reference, *, concerns, ...)``.
finding = partial(native.finding, AGENCY)


def resident_findings(export: Export, resident: Resident) -> tuple[dict[str, Any], ...]:
    """Every finding about one person: their tenancies first, then cases, then reports."""
    ref = resident.person_ref
    found: list[dict[str, Any]] = []
    memberships = sorted(resident.memberships, key=export.joined)
    for membership in memberships:
        found.append(_tenancy(export, ref, membership))
        if export.left(membership) is None:
            found.append(_household(export, ref, membership))
        for arrears in _arrears(export, ref, membership.text("tenancy_ref")):
            # A tenancy's arrears and possession action are shared by whoever lived there then.
            if _lived_there(export, membership, arrears["event_date"]):
                found.append(arrears)
    for case in sorted(resident.cases, key=lambda row: row.day("approach_date")):
        found.append(_homelessness(ref, case))
    reports = [
        (report.day("report_date"), report, membership)
        for membership in memberships
        for report in export.reports.get(membership.text("tenancy_ref"), [])
        if _lived_there(export, membership, report.day("report_date"))
    ]
    for when, report, membership in sorted(reports, key=lambda item: (item[0], item[1].line)):
        found.append(_report(export, ref, report, membership, when))
    return tuple(found)


def stage(row: Row) -> str:
    """The row's possession stage, NOTICE_SEEKING_POSSESSION read as NOSP."""
    code = row.code("stage", STAGES)
    return "NOSP" if code == "NOTICE_SEEKING_POSSESSION" else code


def _where(tenancy: Row) -> str:
    postcode = native.normal_postcode(tenancy.text("postcode"))
    place = " ".join(part for part in (tenancy.optional_text("town"), postcode) if part)
    return f"{tenancy.text('address_line_1')}, {place}"


def _tenancy(export: Export, ref: str, membership: Row) -> dict[str, Any]:
    tenancy_ref = membership.text("tenancy_ref")
    tenancy = export.tenancies[tenancy_ref]
    tenure = tenancy.text("tenure")
    lead = membership.text("lead_tenant") == "Y"
    role = "lead tenant" if lead else "household member"
    joined, left = export.joined(membership), export.left(membership)
    article = "an" if TENURES[tenure][0] in "aeiou" else "a"
    kind = f"{article} {TENURES[tenure]} at {_where(tenancy)}"
    if left is None:
        summary = f"{upper_first(role)} of {kind} since {spoken(joined)}."
    else:
        summary = f"Was {role} of {kind} from {spoken(joined)} to {spoken(left)}."
    temporary = tenure == "TEMPORARY"
    return finding(
        ref,
        "tenancy",
        tenancy_ref,
        concerns=[HOUSING] if temporary else [],
        event_date=joined,
        summary=summary,
        severity="LOW" if temporary else "NONE",
    )


def _household(export: Export, ref: str, membership: Row) -> dict[str, Any]:
    """Who else lives at the tenancy now, and whether the home is overcrowded."""
    tenancy_ref = membership.text("tenancy_ref")
    tenancy = export.tenancies[tenancy_ref]
    current = [row for row in export.members[tenancy_ref] if export.left(row) is None]
    others = [row for row in current if row is not membership]
    described = [_member(export, row) for row in others]
    summary = f"Lives with {listed(described)}." if described else "Lives alone."
    bedrooms = int(tenancy.text("bedrooms"))
    overcrowded = len(current) > 2 * max(bedrooms, 1)
    rooms = "1 bedroom" if bedrooms == 1 else f"{bedrooms} bedrooms"
    detail = f"{len(current)} people in a home with {rooms}."
    if overcrowded:
        summary += " The home is overcrowded."
    return finding(
        ref,
        "household_composition",
        tenancy_ref,
        concerns=[HOUSING] if overcrowded else [],
        event_date=max(export.joined(row) for row in current),
        summary=summary,
        detail=detail,
        severity="LOW" if overcrowded else "NONE",
    )


def _member(export: Export, row: Row) -> str:
    name = f"{row.text('forename')} {row.text('surname')}"
    relationship = row.text("relationship")
    words = RELATIONSHIPS[relationship]
    if relationship != "SELF":
        words += " of the lead tenant"
    moved_in = row.optional_day("moved_in")
    since = f", moved in {month(moved_in)}" if moved_in else ""
    return f"{name} ({words}{since})"


def _arrears(export: Export, ref: str, tenancy_ref: str) -> list[dict[str, Any]]:
    """Rent arrears and possession action on one tenancy, as one finding."""
    account = export.rent.get(tenancy_ref)
    stages = sorted(
        export.possession.get(tenancy_ref, []), key=lambda row: _STAGE_ORDER.index(stage(row))
    )
    weeks = account.amount("weeks_in_arrears") if account else Decimal(0)
    if weeks < ARREARS_WEEKS and not stages:
        return []
    parts, severity, when, concerns = [], "NONE", None, ["POVERTY_OR_DEBT"]
    if account is not None and weeks >= ARREARS_WEEKS:
        balance = account.amount("balance")
        when = account.day("as_at")
        parts.append(
            f"Rent arrears of £{balance:,.2f} ({weeks.normalize():f} weeks) on {spoken(when)}."
        )
        severity = "MODERATE" if weeks >= 8 else "LOW"
    if stages:
        latest = stages[-1]
        wording, stage_severity = STAGES[stage(latest)]
        on = latest.day("stage_date")
        parts.append(f"Possession action: {wording} on {spoken(on)}.")
        severity = max(severity, stage_severity, key=SEVERITY_ORDER.index)
        when = max(when, on) if when else on
        concerns.append(HOUSING)
    detail = None
    if len(stages) > 1:
        steps = [f"{STAGES[stage(row)][0]} {spoken(row.day('stage_date'))}" for row in stages]
        detail = f"{upper_first(listed(steps))}."
    return [
        finding(
            ref,
            "rent_arrears_or_eviction",
            tenancy_ref,
            concerns=concerns,
            event_date=when,
            summary=" ".join(parts),
            detail=detail,
            severity=severity,
        )
    ]


def _homelessness(ref: str, case: Row) -> dict[str, Any]:
    approached = case.day("approach_date")
    young = case.text("age_16_17") == "Y"
    who = "a homeless 16 or 17 year old" if young else "homeless"
    summary = f"Approached the council as {who} on {spoken(approached)}"
    summary += {"Y": "; priority need accepted", "N": "; not in priority need"}.get(
        case.values["priority_need"].strip(), ""
    )
    severity, concerns = "LOW", [HOUSING]
    placement = case.optional_text("ta_type")
    if placement:
        place, severity = PLACEMENTS[placement]
        placed_to = case.optional_day("placed_to")
        until = f" to {spoken(placed_to)}" if placed_to else ", still there"
        summary += f"; placed in {place} from {spoken(case.day('placed_from'))}{until}"
        if placement == "REFUGE":
            concerns.append("DOMESTIC_ABUSE")
    return finding(
        ref,
        "homelessness_or_temporary_accommodation",
        case.text("case_ref"),
        concerns=concerns,
        event_date=approached,
        summary=f"{summary}.",
        severity="SERIOUS" if young else severity,
    )


def _report(export: Export, ref: str, report: Row, membership: Row, when: date) -> dict[str, Any]:
    category, label, severity, concerns = REPORT_TYPES[report.text("type")]
    tenancy = export.tenancies[membership.text("tenancy_ref")]
    return finding(
        ref,
        category,
        report.text("report_ref"),
        concerns=concerns,
        event_date=when,
        summary=f"{label} reported at {_where(tenancy)} on {spoken(when)}.",
        detail=report.text("summary"),
        severity=severity,
    )


def _lived_there(export: Export, membership: Row, when: date) -> bool:
    left = export.left(membership)
    return export.joined(membership) <= when and (left is None or when <= left)
