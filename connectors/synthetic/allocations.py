"""Social care allocations for children in families open to Early Help or social work."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta

from connectors.synthetic import names
from connectors.synthetic.avro import _person_from_view, _practitioner, _utc, _uuid
from connectors.synthetic.concerns import _EXPLOITATION
from connectors.synthetic.draws import _chance, _weighted
from connectors.synthetic.households import _Story
from connectors.synthetic.model import AgencyView

_PLANS: dict[str, float] = {"ASSESSMENT": 25, "CHILD_IN_NEED": 35, "CHILD_PROTECTION": 30}
_FORMS_OF_ABUSE = ("EMOTIONAL_ABUSE", "NEGLECT", "PHYSICAL_ABUSE", "SEXUAL_ABUSE")


def _allocations(
    rng: random.Random,
    story: _Story,
    views: Mapping[str, AgencyView],
    teams: Mapping[str, str],
    seed: int,
    ref: date,
) -> list[dict[str, object]]:
    """The children of the family open to a team: Early Help at level 3, social work at 4."""
    family = story.family
    if family.level_of_need == 3:
        team, plan = "early-help", "EARLY_HELP"
    else:
        plan_weights = dict(_PLANS)
        if story.structure == "kinship":
            plan_weights["LOOKED_AFTER"] = 40  # family and friends foster care
        plan = _weighted(rng, plan_weights)
        team = "area-north" if story.town in names.NORTH_TOWNS else "area-south"
    agency = "EARLY_HELP" if team == "early-help" else "SOCIAL_CARE"
    role = "Family Support Worker" if team == "early-help" else "Social Worker"
    worker = None
    if _chance(rng, 0.92):
        worker = _practitioner(
            rng, agency, role, "Wigan Council", teams[team], "wigan-council.example"
        )
    since = ref - timedelta(days=rng.randint(14, 720 if family.level_of_need == 4 else 400))
    earlier: dict[str, object] | None = None
    plan_ended = date.min
    if _chance(rng, 0.15 if family.level_of_need == 4 else 0.08):
        plan_ended = since - timedelta(days=rng.randint(60, 1500))
        categories = sorted(c for c in family.concerns if c in _FORMS_OF_ABUSE) or ["NEGLECT"]
        earlier = {
            "plan_type": "CHILD_PROTECTION",
            "start_date": plan_ended - timedelta(days=rng.randint(90, 700)),
            "end_date": plan_ended,
            "categories": categories,
        }
    case_id = _uuid(seed, family.key, "previous-case") if _chance(rng, 0.5) else None
    allocations: list[dict[str, object]] = []
    for person in family.members:
        view = views.get(person.key)
        if person.role not in ("CHILD", "SIBLING") or view is None:
            continue
        child_team = team
        exploited = family.concerns & _EXPLOITATION and person.age_on(ref) >= 10
        if family.level_of_need == 4 and exploited and person.role == "CHILD":
            child_team = "complex-safeguarding"
        child_since = max(since, person.date_of_birth)
        updated = ref - timedelta(days=rng.randint(1, max(1, (ref - child_since).days)))
        # A sibling born after an earlier plan ended was never on it.
        plans = [earlier] if earlier is not None and person.date_of_birth < plan_ended else []
        allocations.append(
            {
                "child_id": view.record_id,
                "case_id": case_id,
                "child": _person_from_view(_uuid(seed, person.key, "allocation"), "CHILD", view),
                "team_key": child_team,
                "allocated_worker": worker,
                "allocated_since": child_since,
                "open_plan_type": plan,
                "previous_child_protection_plans": plans,
                "updated_at": _utc(updated, rng),
            }
        )
    return allocations
