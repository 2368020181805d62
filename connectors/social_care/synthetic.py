"""Writes a synthetic children's social care export (FORMAT.md) for a synthetic partnership.

Children's histories follow their family's level of need: an old referral at
level 1, early help at level 2, assessments and child in need work at level 3,
section 47 enquiries and past child protection plans at level 4. Open episodes
come only from ``partnership.allocations`` (rendered into allocations.csv), so
what is open in involvements.csv always agrees with the allocations topic.
Every random choice comes from ``partnership.rng_for("social_care")``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.social_care.findings import CATEGORIES, CP_CATEGORIES
from connectors.social_care.records import (
    ADDRESS_HISTORY_COLUMNS,
    ADDRESS_HISTORY_FILE,
    AGENCY,
    ALLOCATION_COLUMNS,
    ALLOCATIONS_FILE,
    GENDERS,
    INVOLVEMENT_COLUMNS,
    INVOLVEMENTS_FILE,
    OTHER_IDS,
    PEOPLE_COLUMNS,
    PEOPLE_FILE,
    PLAN_TYPES,
)
from connectors.synthetic.model import Address, AgencyView, Partnership, SyntheticPerson

CODE_FOR_GENDER = {symbol: code for code, symbol in GENDERS.items()}
COLUMN_FOR_SCHEME = {scheme: column for column, scheme in OTHER_IDS.items()}
CODE_FOR_CONCERN = {concern: code for code, (concern, _) in CATEGORIES.items()}
INVOLVEMENT_FOR_PLAN = {plan: kind for kind, plan in PLAN_TYPES.items()}
HISTORY_DAYS = 8 * 365
AREA_TEAMS = ("area-north", "area-south")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class _Export:
    """The rows of one export while they are being invented."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.people: dict[str, dict[str, str]] = {}
        self.history: list[dict[str, str]] = []
        self.involvements: list[dict[str, str]] = []

    def person(self, view: AgencyView) -> None:
        addresses = sorted(view.addresses, key=lambda address: address.to_date is None)
        current = addresses.pop() if addresses and addresses[-1].to_date is None else None
        row = {
            "person_id": view.record_id,
            "forenames": view.given_names,
            "surname": view.family_name,
            "preferred_name": "",
            "former_surname": "",
            "date_of_birth": _day(view.date_of_birth),
            "dob_estimated": "N" if view.date_of_birth else "",
            "gender": CODE_FOR_GENDER.get(view.gender, "U"),
            **{column: "" for column in OTHER_IDS},
            **_address_cells(current),
            "address_from": _day(current.from_date) if current else "",
        }
        for scheme, value in view.identifiers.items():
            if scheme in COLUMN_FOR_SCHEME:
                row[COLUMN_FOR_SCHEME[scheme]] = value
        self.people[view.record_id] = row
        for address in addresses:
            self.history.append(
                {
                    "person_id": view.record_id,
                    **_address_cells(address),
                    "from_date": _day(address.from_date),
                    "to_date": _day(address.to_date),
                }
            )

    def involvement(
        self,
        record_id: str,
        kind: str,
        start: date,
        end: date | None,
        codes: Iterable[str] = (),
        team: str = "",
    ) -> None:
        number = len(self.involvements) + 1
        self.involvements.append(
            {
                "involvement_id": f"INV-{number:07d}",
                "person_id": record_id,
                "type": kind,
                "start_date": _day(start),
                "end_date": _day(end),
                "category": ";".join(codes),
                "team": team,
            }
        )

    def episode(
        self, record_id: str, kind: str, born: date, days: tuple[int, int], **cells: Any
    ) -> None:
        """A closed episode that started after the child was born and ended before today."""
        earliest = max(born, self.today - timedelta(days=HISTORY_DAYS))
        span = (self.today - earliest).days - days[0] - 2
        if span < 0:
            return
        start = earliest + timedelta(days=self.rng.randint(0, span))
        end = min(start + timedelta(days=self.rng.randint(*days)), self.today - timedelta(1))
        self.involvement(record_id, kind, start, end, **cells)


def _address_cells(address: Address | None) -> dict[str, str]:
    lines = list(address.lines[:3]) if address else []
    lines += [""] * (3 - len(lines))
    return {
        "address_line_1": lines[0],
        "address_line_2": lines[1],
        "address_line_3": lines[2],
        "town": address.town if address else "",
        "postcode": address.postcode if address else "",
    }


def write(partnership: Partnership, folder: Path) -> int:
    """Write people.csv, address_history.csv, involvements.csv and allocations.csv.

    Returns:
        The number of person records written.
    """
    rng = partnership.rng_for(AGENCY)
    views = partnership.views.get(AGENCY, {})
    today = partnership.reference_date
    export = _Export(rng, today)
    allocated = {str(allocation["child_id"]) for allocation in partnership.allocations}
    codes_of: dict[str, list[str]] = {}
    for family in partnership.families:
        codes = [CODE_FOR_CONCERN[c] for c in sorted(family.concerns) if c in CODE_FOR_CONCERN]
        fostered = "PRIVATE_FOSTERING" in family.concerns
        for member in family.members:
            view = views.get(member.key)
            if view is None:
                continue
            export.person(view)
            codes_of[view.record_id] = codes
            if 0 <= member.age_on(today) < 18:
                _history(export, family.level_of_need, codes, member, view, allocated)
                if fostered:
                    export.episode(
                        view.record_id, "PRIVATE_FOSTERING", member.date_of_birth, (90, 700)
                    )
                    fostered = False
    for view in views.values():
        if view.record_id not in export.people:
            export.person(view)
    allocation_rows = [
        _allocation(export, allocation, codes_of) for allocation in partnership.allocations
    ]
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(folder / PEOPLE_FILE, PEOPLE_COLUMNS, export.people.values())
    _write_csv(folder / ADDRESS_HISTORY_FILE, ADDRESS_HISTORY_COLUMNS, export.history)
    _write_csv(folder / INVOLVEMENTS_FILE, INVOLVEMENT_COLUMNS, export.involvements)
    _write_csv(folder / ALLOCATIONS_FILE, ALLOCATION_COLUMNS, allocation_rows)
    return len(export.people)


def _write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _history(
    export: _Export,
    level: int,
    codes: list[str],
    child: SyntheticPerson,
    view: AgencyView,
    allocated: set[str],
) -> None:
    """Closed episodes for one child; plans are left to the allocation of an allocated child."""
    rng, record_id, born = export.rng, view.record_id, child.date_of_birth
    referrals = {1: int(rng.random() < 0.15), 2: 1, 3: rng.randint(1, 2), 4: rng.randint(1, 3)}
    for _ in range(referrals[level]):
        about = [rng.choice(codes)] if codes else []
        export.episode(record_id, "REFERRAL", born, (1, 5), codes=about, team="mash-duty")
    if level >= 2 and rng.random() < {2: 0.6, 3: 0.7, 4: 0.3}[level]:
        export.episode(record_id, "EARLY_HELP", born, (90, 365), codes=codes[:2], team="early-help")
    team = rng.choice(AREA_TEAMS)
    if level >= 3 and rng.random() < 0.5:
        export.episode(record_id, "ASSESSMENT", born, (20, 45), codes=codes[:2], team=team)
        export.episode(record_id, "CIN", born, (180, 540), codes=codes[:2], team=team)
    if level == 4 and rng.random() < 0.6:
        export.episode(record_id, "SECTION_47", born, (10, 30), codes=codes[:2], team=team)
    if level == 4 and record_id not in allocated:
        if rng.random() < 0.35:
            plan = _plan_categories(codes)
            export.episode(record_id, "CP_PLAN", born, (180, 720), codes=plan, team=team)
        if rng.random() < 0.1:
            export.episode(record_id, "LOOKED_AFTER", born, (90, 900), team=team)


def _plan_categories(codes: list[str]) -> list[str]:
    """A child protection plan's categories: the family's abuse categories, else the usual one."""
    plan = [code for code in codes if code in CP_CATEGORIES]
    return plan or (["EMOTIONAL"] if "DOMESTIC_ABUSE" in codes else ["NEGLECT"])


def _allocation(
    export: _Export, allocation: Mapping[str, Any], codes_of: Mapping[str, list[str]]
) -> dict[str, str]:
    """The allocations.csv row, and the involvements that make the allocation's history."""
    child_id = str(allocation["child_id"])
    if child_id not in export.people:
        export.people[child_id] = _person_cells(child_id, allocation.get("child") or {})
    codes = codes_of.get(child_id, [])
    since: date = allocation["allocated_since"]
    plan_type = str(allocation["open_plan_type"])
    team = str(allocation["team_key"])
    for plan in allocation.get("previous_child_protection_plans") or []:
        kind = INVOLVEMENT_FOR_PLAN.get(plan["plan_type"], "CP_PLAN")
        if plan.get("start_date") is None:
            continue
        plan_codes = [CODE_FOR_CONCERN[c] for c in plan["categories"] if c in CODE_FOR_CONCERN]
        if kind == "CP_PLAN":
            plan_codes = [code for code in plan_codes if code in CP_CATEGORIES]
            plan_codes = plan_codes or _plan_categories(codes)
        end = plan.get("end_date")
        export.involvement(child_id, kind, plan["start_date"], end, plan_codes, team)
    if plan_type in INVOLVEMENT_FOR_PLAN:
        kind = INVOLVEMENT_FOR_PLAN[plan_type]
        open_codes = _plan_categories(codes) if kind == "CP_PLAN" else codes[:2]
        export.involvement(child_id, kind, since, None, open_codes, team)
    worker = allocation.get("allocated_worker") or {}
    contact = worker.get("contact_details") or {}
    case_id = allocation.get("case_id")
    updated: datetime = allocation["updated_at"]
    return {
        "child_id": child_id,
        "case_id": str(case_id) if case_id else "",
        "team_key": team,
        "plan_type": plan_type,
        "allocated_since": _day(since),
        "updated_at": updated.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "worker_name": worker.get("name") or "",
        "worker_role": worker.get("role") or "",
        "worker_team": worker.get("team") or "",
        "worker_phone": contact.get("phone") or "",
        "worker_email": contact.get("email") or "",
    }


def _person_cells(child_id: str, child: Mapping[str, Any]) -> dict[str, str]:
    """A people.csv row from an allocation's Person value, for a child no view describes."""
    names = child.get("names") or [{}]
    born = child.get("date_of_birth")
    addresses = child.get("addresses") or []
    current = addresses[0] if addresses and addresses[0].get("to_date") is None else None
    lines = list((current or {}).get("lines") or [])[:3]
    lines += [""] * (3 - len(lines))
    row = {
        "person_id": child_id,
        "forenames": names[0].get("given_names") or "",
        "surname": names[0].get("family_name") or "",
        "preferred_name": "",
        "former_surname": "",
        "date_of_birth": _day(born["date"]) if born else "",
        "dob_estimated": ("N" if born["precision"] == "DAY" else "Y") if born else "",
        "gender": CODE_FOR_GENDER.get(child.get("gender") or "UNKNOWN", "U"),
        **{column: "" for column in OTHER_IDS},
        "address_line_1": lines[0],
        "address_line_2": lines[1],
        "address_line_3": lines[2],
        "town": (current or {}).get("town") or "",
        "postcode": (current or {}).get("postcode") or "",
        "address_from": _day((current or {}).get("from_date")),
    }
    for identifier in child.get("identifiers") or []:
        if identifier["scheme"] in COLUMN_FOR_SCHEME:
            row[COLUMN_FOR_SCHEME[identifier["scheme"]]] = identifier["value"]
    return row
