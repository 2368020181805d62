"""The synthetic partnership: deterministic, valid ids, Avro-clean, noisy at the stated rates."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from broker.authority import load_authority
from broker.codec import AvroCodec
from connectors.synthetic import names
from connectors.synthetic.families import generate, subject_keys
from connectors.synthetic.identifiers import (
    SCHOOL_AGES,
    is_valid_nhs_number,
    is_valid_upn,
    nhs_check_digit,
    upn_check_letter,
)
from connectors.synthetic.model import AgencyView, Partnership, SyntheticPerson
from connectors.synthetic.views import AGENCIES, NOISE_RATES

SCHEMAS = Path(__file__).parents[2] / "schemas"
REFERENCE = date(2026, 11, 23)


def symbols(schema: str) -> set[str]:
    return set(json.loads((SCHEMAS / f"{schema}.avsc").read_text(encoding="utf-8"))["symbols"])


@dataclass
class Generated:
    partnership: Partnership
    progress: list[tuple[int, int]]
    people: dict[str, SyntheticPerson]


@pytest.fixture(scope="module")
def large() -> Generated:
    """2,000 families: enough to measure noise rates and distributions."""
    calls: list[tuple[int, int]] = []
    partnership = generate(
        2000, seed=2026, progress=lambda done, total: calls.append((done, total))
    )
    return Generated(partnership, calls, partnership.people())


def views(partnership: Partnership) -> Iterator[tuple[str, AgencyView]]:
    for agency, recorded in partnership.views.items():
        for view in recorded.values():
            yield agency, view


def family_of_contact(partnership: Partnership) -> dict[int, int]:
    """Level of need of the family behind each contact, by position in the contact list."""
    keys = subject_keys(partnership)
    levels = {family.key: family.level_of_need for family in partnership.families}
    found = {}
    for position, contact in enumerate(partnership.contacts):
        subjects = cast(list[dict[str, Any]], contact["subjects"])
        families = {keys[subject["person_id"]].rsplit("-", 1)[0] for subject in subjects}
        assert len(families) == 1, "a contact is about one family"
        found[position] = levels[families.pop()]
    return found


# Determinism -----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_partnership() -> None:
    assert generate(40, seed=5) == generate(40, seed=5)


def test_different_seeds_give_different_partnerships() -> None:
    first, second = generate(40, seed=5), generate(40, seed=6)
    assert first.families != second.families
    assert first.contacts != second.contacts


def test_the_global_random_generator_is_left_alone() -> None:
    random.seed(1)
    state = random.getstate()
    generate(20, seed=3)
    assert random.getstate() == state


FINGERPRINT = """
import hashlib
from connectors.synthetic.families import generate
p = generate(200, seed=9)
families = [(f.key, f.members, f.level_of_need, sorted(f.concerns)) for f in p.families]
text = repr((families, p.views, p.contacts, p.allocations))
print(hashlib.sha256(text.encode()).hexdigest())
"""


def test_the_result_does_not_depend_on_string_hashing() -> None:
    """Set and frozenset order changes with PYTHONHASHSEED; the partnership must not."""
    digests = set()
    for hash_seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", FINGERPRINT],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
            cwd=Path(__file__).parents[2],
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1
    assert len(digests.pop()) == 64


def test_progress_is_reported_every_thousand_families_and_at_the_end(large: Generated) -> None:
    assert large.progress == [(1000, 2000), (2000, 2000)]


def test_small_and_empty_partnerships() -> None:
    assert generate(0, seed=1).families == []
    calls: list[tuple[int, int]] = []
    generate(3, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(3, 3)]
    with pytest.raises(ValueError, match="negative"):
        generate(-1, seed=1)


# Identifiers -----------------------------------------------------------------------------------


def test_nhs_numbers_known_answers() -> None:
    assert is_valid_nhs_number("9990004129")
    assert not is_valid_nhs_number("9990004128")
    assert not is_valid_nhs_number("999000412")
    assert nhs_check_digit("999000000") is None, "remainder 1: no valid number"


@given(st.text("0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_an_nhs_number_with_one_wrong_digit_is_invalid(
    body: str, position: int, shift: int
) -> None:
    check = nhs_check_digit(body)
    if check is None:
        return
    number = f"{body}{check}"
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert is_valid_nhs_number(number)
    assert not is_valid_nhs_number(changed)


def test_upn_known_answer() -> None:
    assert upn_check_letter("359213418005") == "E"
    assert is_valid_upn("E359213418005")
    assert not is_valid_upn("F359213418005")


@given(st.text("0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_a_upn_with_one_wrong_digit_is_invalid(digits: str, position: int, shift: int) -> None:
    upn = upn_check_letter(digits) + digits
    changed_digits = digits[:position] + str((int(digits[position]) + shift) % 10)
    changed = upn[0] + changed_digits + digits[position + 1 :]
    assert is_valid_upn(upn)
    assert not is_valid_upn(changed)


def test_every_nhs_number_is_valid_unique_and_in_the_test_range(large: Generated) -> None:
    numbers = [person.nhs_number for person in large.people.values()]
    assert all(is_valid_nhs_number(n) and n.startswith("999") for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_every_upn_is_valid_and_unique(large: Generated) -> None:
    upns = [view.record_id for view in large.partnership.views["education"].values()]
    assert upns
    assert all(is_valid_upn(upn) for upn in upns)
    assert len(set(upns)) == len(upns)
    assert sum(upn[1:4] == "359" for upn in upns) / len(upns) > 0.75, "mostly Wigan LA 359"


@pytest.mark.parametrize(
    ("agency", "scheme", "pattern"),
    [
        ("police", "POLICE_PERSON_ID", r"GMP-P-\d{7}"),
        ("probation", "PROBATION_CASE_REFERENCE", r"[A-Z]\d{6}"),
        ("social_care", "LOCAL_SOCIAL_CARE_ID", r"LCS-\d{7}"),
        ("health", "NHS_NUMBER", r"999\d{7}"),
        ("education", "UNIQUE_PUPIL_NUMBER", r"[A-Z]\d{12}"),
    ],
)
def test_record_ids_have_the_agency_shape_and_are_the_own_identifier(
    large: Generated, agency: str, scheme: str, pattern: str
) -> None:
    recorded = large.partnership.views[agency].values()
    assert recorded
    for view in recorded:
        assert re.fullmatch(pattern, view.record_id)
        assert view.identifiers[scheme] == view.record_id
    assert len({view.record_id for view in recorded}) == len(recorded)


def test_housing_records_share_the_household_tenancy(large: Generated) -> None:
    tenancies: dict[str, set[str]] = {}
    for view in large.partnership.views["housing"].values():
        assert re.fullmatch(r"WHT-P-\d{8}", view.record_id)
        tenancy = view.identifiers.get("HOUSING_TENANCY_REFERENCE")
        if tenancy is not None:
            assert re.fullmatch(r"WHT-T-\d{6}", tenancy)
            family = large.people[view.person_key].family_key
            tenancies.setdefault(family, set()).add(tenancy)
    assert all(len(refs) == 1 for refs in tenancies.values())
    share = len(tenancies) / len(large.partnership.families)
    assert 0.3 < share < 0.5, f"about 40% social housing, got {share:.0%}"


# Avro ------------------------------------------------------------------------------------------


def test_every_contact_and_allocation_encodes_and_round_trips(large: Generated) -> None:
    codec = AvroCodec()
    assert large.partnership.contacts
    assert large.partnership.allocations
    for schema, values in (
        ("uk.mash.v1.Contact", large.partnership.contacts),
        ("uk.mash.v1.Allocation", large.partnership.allocations),
    ):
        for value in values:
            assert codec.decode(codec.encode(schema, value), schema).value == value


# Households ------------------------------------------------------------------------------------


def test_households_have_two_to_seven_people_and_sensible_ages(large: Generated) -> None:
    roles = symbols("person_role")
    genders = symbols("gender")
    for family in large.partnership.families:
        assert 2 <= len(family.members) <= 7
        by_role = Counter(person.role for person in family.members)
        assert by_role["CHILD"] == 1
        assert by_role["SIBLING"] <= 4
        assert 1 <= by_role["PARENT"] + by_role["CARER"] <= 2
        children = [p for p in family.members if p.role in ("CHILD", "SIBLING")]
        for person in family.members:
            assert person.role in roles
            assert person.gender in genders
            assert person.key.startswith(family.key)
            assert person.family_key == family.key
        for child in children:
            assert 0 <= child.age_on(REFERENCE) <= 17
            for parent in (p for p in family.members if p.role == "PARENT"):
                gap = child.date_of_birth.year - parent.date_of_birth.year
                assert 16 <= gap <= 56, (parent, child)


def test_family_names_are_mostly_but_not_always_shared(large: Generated) -> None:
    shared = total = hyphenated = 0
    for family in large.partnership.families:
        carers = {p.family_name for p in family.members if p.role in ("PARENT", "CARER")}
        for child in (p for p in family.members if p.role in ("CHILD", "SIBLING")):
            total += 1
            shared += child.family_name in carers
            hyphenated += "-" in child.family_name
    assert 0.55 < shared / total < 0.95
    assert hyphenated > 0


def test_levels_of_need_and_concerns_fit_each_other(large: Generated) -> None:
    concern_symbols = symbols("concern_category")
    levels = Counter(family.level_of_need for family in large.partnership.families)
    assert levels[1] > levels[2] > levels[3] > levels[4] > 0
    harm = {"NEGLECT", "PHYSICAL_ABUSE", "SEXUAL_ABUSE", "EMOTIONAL_ABUSE", "DOMESTIC_ABUSE"}
    for family in large.partnership.families:
        assert family.concerns <= concern_symbols
        if family.level_of_need == 1:
            assert len(family.concerns) <= 1
        else:
            assert family.concerns
    level_four = [f for f in large.partnership.families if f.level_of_need == 4]
    assert sum(bool(f.concerns & harm) for f in level_four) / len(level_four) > 0.5
    assert any(p.role == "PERSON_OF_CONCERN" for f in level_four for p in f.members)


def test_address_histories_are_ordered_and_in_the_wigan_area(large: Generated) -> None:
    moved = 0
    for person in large.people.values():
        addresses = person.addresses
        assert addresses
        assert addresses[-1].to_date is None
        moved += len(addresses) > 1
        for earlier, later in itertools.pairwise(addresses):
            assert earlier.to_date is not None
            assert earlier.to_date < later.from_date
        for address in addresses:
            assert address.town in names.TOWN_WEIGHTS
            assert names.POSTCODE_PATTERN.match(address.postcode), address.postcode
            assert address.to_date is None or address.from_date <= address.to_date
    assert 0.3 < moved / len(large.people) < 0.8


def test_postcodes_are_stable_per_street_and_use_the_towns_district() -> None:
    assert names.postcode("Leigh", "Larkfield Close", 14) == names.postcode(
        "Leigh", "Larkfield Close", 15
    )
    for town, districts in names.TOWN_DISTRICTS.items():
        code = names.postcode(town, "Mossfield Road", 3)
        assert code.split()[0] in districts
        assert names.POSTCODE_PATTERN.match(code)


def test_name_variants() -> None:
    assert "Lukasz" in names.transliteration_variants("Łukasz")
    assert "Muhammad" in names.transliteration_variants("Mohammed")
    assert "OBrien" in names.transliteration_variants("O'Brien")
    assert names.gendered_family_name("Kowalski", female=True) == "Kowalska"
    assert names.gendered_family_name("Kowalski", female=False) == "Kowalski"
    assert names.nicknames("William")


# Views -----------------------------------------------------------------------------------------


def test_views_are_consistent_with_the_truth(large: Generated) -> None:
    schemes = symbols("identifier_scheme")
    assert tuple(large.partnership.views) == AGENCIES
    for agency, view in views(large.partnership):
        person = large.people[view.person_key]
        assert set(view.identifiers) <= schemes
        assert view.addresses
        if agency == "education":
            assert person.age_on(REFERENCE) in SCHOOL_AGES
            assert person.role in ("CHILD", "SIBLING")
        if agency == "health":
            assert view.record_id == person.nhs_number
        if agency == "probation":
            assert person.age_on(REFERENCE) >= 18
        if "NHS_NUMBER" in view.identifiers:
            assert view.identifiers["NHS_NUMBER"] == person.nhs_number


def test_who_knows_whom(large: Generated) -> None:
    people = large.people
    known: Counter[str] = Counter()
    for _, view in views(large.partnership):
        known[view.person_key] += 1
    assert len(large.partnership.views["health"]) / len(people) > 0.93
    assert any(count == 1 for count in known.values()), "some are known to one agency only"
    school_age = [
        p
        for p in people.values()
        if p.role in ("CHILD", "SIBLING") and p.age_on(REFERENCE) in SCHOOL_AGES
    ]
    assert len(large.partnership.views["education"]) / len(school_age) > 0.93
    abuse = [f for f in large.partnership.families if "DOMESTIC_ABUSE" in f.concerns]
    other = [f for f in large.partnership.families if not f.concerns]
    police = large.partnership.views["police"]

    def police_share(families: list[Any]) -> float:
        adults = [p for f in families for p in f.members if p.age_on(REFERENCE) >= 18]
        return sum(p.key in police for p in adults) / len(adults)

    assert police_share(abuse) > 2 * police_share(other)


def one_edit_apart(first: str, second: str) -> bool:
    """Whether one insertion, deletion, substitution or adjacent swap turns one into the other."""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        differ = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        i = differ[0]
        return differ == [i, i + 1] and first[i] == second[i + 1] and first[i + 1] == second[i]
    short, long = sorted((first, second), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def rate(hits: int, eligible: int) -> float:
    assert eligible > 100, "too few views to measure"
    return hits / eligible


def test_noise_occurs_at_about_the_stated_rates(large: Generated) -> None:
    hits: Counter[str] = Counter()
    eligible: Counter[str] = Counter()
    police = large.partnership.views["police"]
    education = large.partnership.views["education"]
    for agency, view in views(large.partnership):
        person = large.people[view.person_key]
        first = person.given_names.partition(" ")[0]
        seen_first = view.given_names.partition(" ")[0]
        for kind in ("typo", "swap", "dob_missing", "gender"):
            eligible[kind] += 1
        explained = {person.family_name, *names.transliteration_variants(person.family_name)}
        explained |= set(person.family_name.split("-"))
        if view.family_name not in explained and any(
            one_edit_apart(view.family_name, name) for name in explained
        ):
            hits["typo"] += 1
        hits["swap"] += (view.given_names, view.family_name) == (
            person.family_name,
            person.given_names,
        )
        hits["dob_missing"] += view.date_of_birth is None
        hits["gender"] += view.gender == "UNKNOWN" != person.gender
        if names.nicknames(first):
            eligible["nickname"] += 1
            hits["nickname"] += seen_first in names.nicknames(first)
        first_variants = names.transliteration_variants(first)
        family_variants = names.transliteration_variants(person.family_name)
        if first_variants or family_variants:
            eligible["transliteration"] += 1
            hits["transliteration"] += (
                seen_first in first_variants or view.family_name in family_variants
            )
        if "-" in person.family_name:
            eligible["hyphen"] += 1
            hits["hyphen"] += view.family_name in person.family_name.split("-")
        born = person.date_of_birth
        if born.day <= 12 and born.day != born.month:
            eligible["transposed"] += 1
            hits["transposed"] += view.date_of_birth == born.replace(month=born.day, day=born.month)
        if len(person.addresses) > 1 and agency != "housing":
            eligible["stale"] += 1
            hits["stale"] += view.addresses[-1].lines != person.addresses[-1].lines
        expected: list[str] = []
        if agency == "housing":
            expected.append("HOUSING_TENANCY_REFERENCE")
        if agency == "social_care":
            expected.append("NHS_NUMBER")
            if view.person_key in education:
                expected.append("UNIQUE_PUPIL_NUMBER")
        if agency == "probation" and view.person_key in police:
            expected.append("POLICE_PERSON_ID")
        eligible["identifier"] += len(expected)
        hits["identifier"] += sum(scheme not in view.identifiers for scheme in expected)
    bounds = {
        "nickname": NOISE_RATES["nickname"],
        "typo": NOISE_RATES["family_name_typo"],
        "hyphen": NOISE_RATES["hyphenated_part"],
        "swap": NOISE_RATES["names_swapped"],
        "transliteration": NOISE_RATES["transliteration"],
        "dob_missing": NOISE_RATES["date_of_birth_missing"],
        "transposed": NOISE_RATES["date_of_birth_transposed"],
        "stale": NOISE_RATES["stale_address"],
        "identifier": NOISE_RATES["identifier_missing"],
        "gender": NOISE_RATES["gender_not_recorded"],
    }
    for kind, stated in bounds.items():
        measured = rate(hits[kind], eligible[kind])
        assert stated * 0.5 < measured < stated * 1.5, f"{kind}: {measured:.3f} vs {stated}"


# Contacts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [8, 9, 20])
def test_every_level_of_need_has_a_contact(count: int) -> None:
    for seed in range(12):
        partnership = generate(count, seed=seed)
        assert set(family_of_contact(partnership).values()) == {1, 2, 3, 4}, seed


def test_about_thirty_percent_of_families_have_a_contact(large: Generated) -> None:
    share = len(large.partnership.contacts) / len(large.partnership.families)
    assert 0.22 < share < 0.38


def test_consent_states_and_overrides(large: Generated) -> None:
    levels = family_of_contact(large.partnership)
    statuses: Counter[str] = Counter()
    for position, contact in enumerate(large.partnership.contacts):
        consent = cast(dict[str, Any], contact["consent"])
        statuses[consent["status"]] += 1
        override = consent["override"]
        if levels[position] == 4 and consent["status"] != "GIVEN":
            assert override is not None
            assert override["reason"]
            assert (
                override["decided_at"] <= contact["received_at"]
                or override["decided_by"]["agency"] == "SOCIAL_CARE"
            )
        else:
            assert override is None
        if consent["status"] == "GIVEN":
            assert consent["scope"] is not None
            assert "CONSENT" in contact["lawful_basis"]
    assert {"GIVEN", "REFUSED", "NOT_SOUGHT"} <= set(statuses)


def test_contacts_arrive_in_and_out_of_office_hours_in_the_last_30_days(
    large: Generated,
) -> None:
    wigan = load_authority()
    start = datetime.combine(REFERENCE - timedelta(days=30), time(), tzinfo=wigan.zone)
    end = datetime.combine(REFERENCE, time(), tzinfo=wigan.zone)
    in_hours = Counter[bool]()
    for contact in large.partnership.contacts:
        received = cast(datetime, contact["received_at"])
        assert received.tzinfo is UTC
        assert received.microsecond % 1000 == 0
        assert start <= received < end
        in_hours[wigan.is_office_hours(received)] += 1
    assert in_hours[True] > in_hours[False] > 0


def test_referrers_and_what_they_know(large: Generated) -> None:
    agencies: Counter[str | None] = Counter()
    types: Counter[str] = Counter()
    precisions: Counter[str] = Counter()
    for contact in large.partnership.contacts:
        referrer = cast(dict[str, Any], contact["referrer"])
        agencies[referrer["agency"]] += 1
        types[referrer["referrer_type"]] += 1
        subjects = cast(list[dict[str, Any]], contact["subjects"])
        assert subjects[0]["role"] == "CHILD"
        for subject in subjects:
            if subject["date_of_birth"] is not None:
                precisions[subject["date_of_birth"]["precision"]] += 1
            schemes = {identifier["scheme"] for identifier in subject["identifiers"]}
            if referrer["agency"] == "EDUCATION":
                assert schemes <= {"UNIQUE_PUPIL_NUMBER"}
            if referrer["agency"] == "HEALTH":
                assert schemes <= {"NHS_NUMBER"}
            if referrer["agency"] is None:
                assert not schemes
    assert {"POLICE", "HEALTH", "EDUCATION", "HOUSING", None} <= set(agencies)
    assert {"PROFESSIONAL", "MEMBER_OF_PUBLIC"} <= set(types)
    assert precisions["YEAR"] > 0
    assert precisions["DAY"] > precisions["YEAR"]


def test_schools_and_gps_send_the_identifiers_they_hold(large: Generated) -> None:
    keys = subject_keys(large.partnership)
    seen = {"EDUCATION": 0, "HEALTH": 0}
    for contact in large.partnership.contacts:
        referrer = cast(dict[str, Any], contact["referrer"])
        agency = referrer["agency"]
        if agency not in seen:
            continue
        records: Mapping[str, AgencyView] = large.partnership.views[agency.lower()]
        scheme = "UNIQUE_PUPIL_NUMBER" if agency == "EDUCATION" else "NHS_NUMBER"
        for subject in cast(list[dict[str, Any]], contact["subjects"]):
            view = records.get(keys[subject["person_id"]])
            if view is not None:
                values = {i["value"] for i in subject["identifiers"] if i["scheme"] == scheme}
                assert values == {view.identifiers[scheme]}
                seen[agency] += 1
    assert all(seen.values())


def test_subject_keys_recover_the_truth(large: Generated) -> None:
    keys = subject_keys(large.partnership)
    for contact in large.partnership.contacts:
        for subject in cast(list[dict[str, Any]], contact["subjects"]):
            person = large.people[keys[subject["person_id"]]]
            assert subject["role"] == person.role or subject["role"] == "CHILD"
    for allocation in large.partnership.allocations:
        child = cast(dict[str, Any], allocation["child"])
        assert keys[child["person_id"]] in large.partnership.views["social_care"]


# Allocations -----------------------------------------------------------------------------------


def test_allocations_are_for_known_children_in_level_3_and_4_families(large: Generated) -> None:
    teams = set(load_authority().team_keys())
    records = {v.record_id: v for v in large.partnership.views["social_care"].values()}
    levels = {f.key: f.level_of_need for f in large.partnership.families}
    used_teams = set()
    for allocation in large.partnership.allocations:
        view = records[cast(str, allocation["child_id"])]
        person = large.people[view.person_key]
        level = levels[person.family_key]
        assert person.role in ("CHILD", "SIBLING")
        assert level in (3, 4)
        assert allocation["team_key"] in teams
        used_teams.add(allocation["team_key"])
        if level == 3:
            assert (allocation["team_key"], allocation["open_plan_type"]) == (
                "early-help",
                "EARLY_HELP",
            )
        since = cast(date, allocation["allocated_since"])
        updated = cast(datetime, allocation["updated_at"])
        assert person.date_of_birth <= since <= updated.date() < REFERENCE
    assert {"early-help", "area-north", "area-south"} <= used_teams
