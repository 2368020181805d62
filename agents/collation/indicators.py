"""Risk indicators: concern categories mapped to Wigan's levels of need, in Wigan's words.

The mapping is data (``indicators.toml``, beside this module): each rule has an id, a
concern category, the least severity it needs, the level it points to, the indicator as
Wigan's Threshold of Need and Response Guidance words it (seed 004, the Level 1-4
lists) and the citation. For each concern category of a shared finding, and of the
contact itself, the rule of that category with the highest ``minimum_severity`` not
above the evidence's severity applies; one indicator is produced per rule, with every
finding and person that evidences it.

Severity: NONE ("no risk indicated") meets only a NONE rule; an ungraded finding
(UNKNOWN) counts as LOW; the contact's own concern categories count as LOW (a worry the
referrer raised, not yet graded by an agency), or SERIOUS when it reports immediate
risk.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agents.collation.evidence import SharedFinding
from broker.config_files import parse_toml, read_config
from broker.schema_store import packaged_schemas

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\.level-[1-4]$")
#: Severity as evidence: UNKNOWN (not graded) counts as LOW.
SEVERITY_RANK = {"NONE": 0, "UNKNOWN": 1, "LOW": 1, "MODERATE": 2, "SERIOUS": 3}
#: Severities a rule may ask for at least.
MINIMUM_SEVERITIES = ("NONE", "LOW", "MODERATE", "SERIOUS")
LEVELS = ("LEVEL_1", "LEVEL_2", "LEVEL_3", "LEVEL_4")


def _symbols(enum_name: str) -> tuple[str, ...]:
    found: list[str] = packaged_schemas().definition(enum_name)["symbols"]
    return tuple(found)


class IndicatorRule(BaseModel):
    """One mapping: a concern category at a severity to a level and Wigan's wording."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    concern_category: str
    minimum_severity: str
    level: str
    indicator: str = Field(min_length=1)
    citation: str = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id_names_category_and_level(cls, rule_id: str) -> str:
        if not RULE_ID.match(rule_id):
            raise ValueError(f"rule id {rule_id!r} is not like 'domestic-abuse.level-3'")
        return rule_id

    @field_validator("concern_category")
    @classmethod
    def _known_category(cls, category: str) -> str:
        if category not in _symbols("uk.mash.v1.ConcernCategory"):
            raise ValueError(f"{category!r} is not a uk.mash.v1.ConcernCategory symbol")
        return category

    @field_validator("minimum_severity")
    @classmethod
    def _known_severity(cls, severity: str) -> str:
        if severity not in MINIMUM_SEVERITIES:
            raise ValueError(f"{severity!r} is not one of {', '.join(MINIMUM_SEVERITIES)}")
        return severity

    @field_validator("level")
    @classmethod
    def _a_level(cls, level: str) -> str:
        if level not in LEVELS:
            raise ValueError(f"{level!r} is not one of {', '.join(LEVELS)}")
        return level

    @field_validator("indicator", "citation")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("must not be blank")
        return " ".join(text.split())


class IndicatorMap(BaseModel):
    """The whole mapping file, checked: unique ids, one rule per category and severity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    source: str = Field(min_length=1)
    indicators: tuple[IndicatorRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorMap:
        ids = [rule.id for rule in self.indicators]
        repeated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique, repeated: {repeated}")
        steps = [(rule.concern_category, rule.minimum_severity) for rule in self.indicators]
        twice = sorted({step for step in steps if steps.count(step) > 1})
        if twice:
            raise ValueError(f"two rules for one category and severity: {twice}")
        # A higher severity must never point to a lower level of need.
        for category in {rule.concern_category for rule in self.indicators}:
            ladder = sorted(
                self.ladder(category), key=lambda rule: SEVERITY_RANK[rule.minimum_severity]
            )
            levels = [LEVELS.index(rule.level) for rule in ladder]
            if levels != sorted(levels):
                raise ValueError(f"{category}: levels fall as severity rises")
        return self

    def ladder(self, concern_category: str) -> list[IndicatorRule]:
        """The rules of one concern category."""
        return [rule for rule in self.indicators if rule.concern_category == concern_category]

    def rule_for(self, concern_category: str, severity: str) -> IndicatorRule | None:
        """The rule that applies to evidence of this category and severity, if any."""
        rank = SEVERITY_RANK.get(severity, SEVERITY_RANK["UNKNOWN"])
        met = [
            rule
            for rule in self.ladder(concern_category)
            if SEVERITY_RANK[rule.minimum_severity] <= rank
        ]
        return max(met, key=lambda rule: SEVERITY_RANK[rule.minimum_severity], default=None)

    def rule(self, rule_id: str) -> IndicatorRule:
        """The rule with this id.

        Raises:
            KeyError: no rule has that id.
        """
        for rule in self.indicators:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def parse_indicators(text: str, *, source: str = "indicator file") -> IndicatorMap:
    """Parse and check the text of an indicator mapping file.

    Raises:
        ConfigurationError: naming ``source`` and each problem in it.
    """
    return parse_toml(IndicatorMap, text, f"collation {source}")


@cache
def load_indicators(path: Path | None = None) -> IndicatorMap:
    """The mapping from ``path``, or the bundled ``indicators.toml`` when None; parsed once.

    Raises:
        ConfigurationError: the file cannot be read or is malformed.
    """
    if path is None:
        bundled = resources.files("agents.collation").joinpath("indicators.toml")
        return parse_indicators(
            bundled.read_text(encoding="utf-8"), source="bundled indicators.toml"
        )
    text = read_config(path, "indicator file")
    return parse_indicators(text, source=f"indicator file {path}")


@dataclass(frozen=True)
class Evidence:
    """What points to an indicator: a shared finding, or the contact when ``finding`` is None."""

    concern_category: str
    severity: str
    finding: SharedFinding | None = None

    def describe(self) -> str:
        """The evidence in a few words, naming the agency and the finding."""
        if self.finding is None:
            risk = ", immediate risk reported" if self.severity == "SERIOUS" else ""
            return f"the contact ({self.concern_category}{risk})"
        return self.finding.describe()


@dataclass(frozen=True)
class Indicator:
    """One rule met, with everything that evidences it."""

    rule: IndicatorRule
    person_ids: tuple[uuid.UUID, ...]
    evidence: tuple[Evidence, ...]

    @property
    def level(self) -> str:
        """The level of need the indicator points to."""
        return self.rule.level

    def as_avro(self) -> dict[str, Any]:
        """The ``uk.mash.v1.RiskIndicator`` value."""
        return {
            "concern_category": self.rule.concern_category,
            "level_of_need": self.rule.level,
            "indicator": self.rule.indicator,
            "person_ids": list(self.person_ids),
            "finding_ids": [item.finding.finding_id for item in self.evidence if item.finding],
            "rule_id": self.rule.id,
        }


def contact_evidence(contact: Mapping[str, Any]) -> list[Evidence]:
    """The contact's own concern categories as evidence (see the module docstring)."""
    severity = "SERIOUS" if contact.get("immediate_risk") else "LOW"
    categories = dict.fromkeys(contact.get("concern_categories", []))
    return [Evidence(category, severity) for category in categories]


def finding_evidence(findings: Iterable[SharedFinding]) -> list[Evidence]:
    """Each shared finding's concern categories as evidence, at the finding's severity."""
    return [
        Evidence(category, finding.severity, finding)
        for finding in findings
        for category in finding.concern_categories
    ]


def find_indicators(
    contact: Mapping[str, Any],
    findings: Sequence[SharedFinding],
    contact_children: Sequence[uuid.UUID],
    mapping: IndicatorMap,
) -> list[Indicator]:
    """The risk indicators the contact and the shared findings point to.

    Args:
        contact: the ``uk.mash.v1.Contact`` value.
        findings: the distinct shared findings.
        contact_children: the picture ids of the children the contact is about; the
            contact's own concerns are about them.
        mapping: the indicator mapping (``load_indicators()``).

    Returns:
        One indicator per rule met, highest level first, then by rule id.
    """
    met: dict[str, tuple[IndicatorRule, dict[uuid.UUID, None], list[Evidence]]] = {}
    for item in [*contact_evidence(contact), *finding_evidence(findings)]:
        rule = mapping.rule_for(item.concern_category, item.severity)
        if rule is None:
            continue
        _, persons, evidence = met.setdefault(rule.id, (rule, {}, []))
        evidence.append(item)
        about = item.finding.person_ids if item.finding else contact_children
        persons.update(dict.fromkeys(about))
    indicators = [
        Indicator(rule, tuple(persons), tuple(evidence)) for rule, persons, evidence in met.values()
    ]
    return sorted(indicators, key=lambda found: (-LEVELS.index(found.level), found.rule.id))
