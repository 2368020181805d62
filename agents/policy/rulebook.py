"""The policy rule file: a versioned, declarative list of consent and proportionality rules.

The rules are data (``agents/policy/rules.toml``), as STYLE asks of per-authority
rules: each has an id, the seed passage it comes from, a plain-English text and
the parameters the engine reads. :func:`load_rules` parses and checks the file
once; anything malformed is a :class:`~broker.errors.ConfigurationError` that
names the problem, so a bad rule file stops the agent before it decides anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from broker.config_files import parse_toml, read_config
from broker.schema_store import packaged_schemas
from broker.vocabulary import CATEGORIES

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: Finding fields a summary may remove: the nullable ones that carry detail.
REMOVABLE_FIELDS = ("detail", "source_reference")
KNOWN_CATEGORIES = frozenset(code for codes in CATEGORIES.values() for code in codes)

Sharing = Literal["full", "summary", "withheld"]


def symbols(enum_name: str) -> tuple[str, ...]:
    """The symbols of one of the packaged Avro enums, e.g. ``uk.mash.v1.LevelOfNeed``."""
    found: list[str] = packaged_schemas().definition(enum_name)["symbols"]
    return tuple(found)


def _check_symbols(values: Iterable[str], enum_name: str) -> None:
    known = symbols(enum_name)
    unknown = [value for value in values if value not in known]
    if unknown:
        raise ValueError(f"not {enum_name} symbols: {unknown}")


class RuleText(BaseModel):
    """What every rule carries: its id, where it comes from and what it says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    source: str = Field(min_length=1)
    text: str = Field(min_length=1)

    @field_validator("source", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class PlainRule(RuleText):
    """A rule the engine applies as it stands, with no parameters."""

    id: Literal[
        "response-matches-request",
        "request-subjects-only",
        "consent-given",
        "consent-scope-persons",
        "override-not-recorded",
        "permitted-categories-only",
    ]


class ConsentScopeRule(RuleText):
    """Consent covers only the agencies and purposes the family agreed to."""

    id: Literal["consent-scope"]
    sharing_purposes: tuple[str, ...] = Field(min_length=1)

    @field_validator("sharing_purposes")
    @classmethod
    def _purposes_known(cls, purposes: tuple[str, ...]) -> tuple[str, ...]:
        _check_symbols(purposes, "uk.mash.v1.ConsentPurpose")
        return purposes


class EarlyHelpRule(RuleText):
    """At these levels of need sharing needs consent."""

    id: Literal["early-help-needs-consent"]
    levels: tuple[str, ...] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _levels_known(cls, levels: tuple[str, ...]) -> tuple[str, ...]:
        _check_symbols(levels, "uk.mash.v1.LevelOfNeed")
        return levels


class SafeguardingRule(RuleText):
    """At these levels or RAG ratings a recorded override allows sharing without consent."""

    id: Literal["safeguarding-without-consent"]
    levels: tuple[str, ...] = Field(min_length=1)
    rag_ratings: tuple[str, ...] = ()
    gateways: tuple[str, ...] = Field(min_length=1)
    override_grounds: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _symbols_known(self) -> SafeguardingRule:
        _check_symbols(self.levels, "uk.mash.v1.LevelOfNeed")
        _check_symbols(self.rag_ratings, "uk.mash.v1.RagRating")
        _check_symbols(self.gateways, "uk.mash.v1.LawfulBasis")
        _check_symbols(self.override_grounds, "uk.mash.v1.ConsentOverrideReason")
        return self


class HistoryWindowRule(RuleText):
    """Findings older than the request's history_since are out of scope."""

    id: Literal["history-window"]
    undated: Literal["share", "withhold"]


class SensitiveGroup(BaseModel):
    """Sensitive categories that share one redaction level per level of need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    why: str = Field(min_length=1)
    categories: tuple[str, ...] = Field(min_length=1)
    by_level: dict[str, Sharing]

    @field_validator("categories")
    @classmethod
    def _categories_known(cls, categories: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [code for code in categories if code not in KNOWN_CATEGORIES]
        if unknown:
            raise ValueError(f"not finding categories of broker.vocabulary: {unknown}")
        return categories

    @field_validator("by_level")
    @classmethod
    def _every_level(cls, by_level: dict[str, Sharing]) -> dict[str, Sharing]:
        _check_symbols(by_level, "uk.mash.v1.LevelOfNeed")
        missing = [level for level in symbols("uk.mash.v1.LevelOfNeed") if level not in by_level]
        if missing:
            raise ValueError(f"no sharing level given for {missing}")
        return by_level


class SensitiveCategoriesRule(RuleText):
    """Sensitive categories are shared in full, as a summary or not at all, by level of need."""

    id: Literal["sensitive-categories"]
    summary_removes: tuple[str, ...] = Field(min_length=1)
    rag_overrides: dict[str, str] = Field(default_factory=dict)
    groups: tuple[SensitiveGroup, ...] = Field(min_length=1)

    @field_validator("summary_removes")
    @classmethod
    def _removable(cls, fields: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [name for name in fields if name not in REMOVABLE_FIELDS]
        if wrong:
            raise ValueError(f"{wrong}: a summary may remove only {list(REMOVABLE_FIELDS)}")
        return fields

    @field_validator("rag_overrides")
    @classmethod
    def _overrides_known(cls, overrides: dict[str, str]) -> dict[str, str]:
        _check_symbols(overrides, "uk.mash.v1.RagRating")
        _check_symbols(overrides.values(), "uk.mash.v1.LevelOfNeed")
        return overrides

    @model_validator(mode="after")
    def _each_category_once(self) -> SensitiveCategoriesRule:
        seen: list[str] = [code for group in self.groups for code in group.categories]
        repeated = sorted({code for code in seen if seen.count(code) > 1})
        if repeated:
            raise ValueError(f"categories in more than one group: {repeated}")
        return self

    def group_of(self, category: str) -> SensitiveGroup | None:
        """The sensitive group a category belongs to, or None if it is not sensitive."""
        for group in self.groups:
            if category in group.categories:
                return group
        return None


Rule = Annotated[
    PlainRule
    | ConsentScopeRule
    | EarlyHelpRule
    | SafeguardingRule
    | HistoryWindowRule
    | SensitiveCategoriesRule,
    Field(discriminator="id"),
]
REQUIRED_RULES = (
    "response-matches-request",
    "request-subjects-only",
    "consent-given",
    "consent-scope",
    "consent-scope-persons",
    "early-help-needs-consent",
    "safeguarding-without-consent",
    "override-not-recorded",
    "permitted-categories-only",
    "history-window",
    "sensitive-categories",
)
RuleT = TypeVar("RuleT", bound=RuleText)


class PolicyRules(BaseModel):
    """The parsed rule file: its version and its rules, in file order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _complete_and_consistent(self) -> PolicyRules:
        ids = [rule.id for rule in self.rules]
        repeated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique, repeated: {repeated}")
        missing = [rule_id for rule_id in REQUIRED_RULES if rule_id not in ids]
        if missing:
            raise ValueError(f"missing rules: {missing}")
        # Every level must fall to exactly one consent rule, or a level could go
        # undecided (fail open) or be decided two ways.
        early = set(self.early_help.levels)
        safeguarding = set(self.safeguarding.levels)
        both = sorted(early & safeguarding)
        if both:
            raise ValueError(f"levels both early help and safeguarding: {both}")
        neither = [s for s in symbols("uk.mash.v1.LevelOfNeed") if s not in early | safeguarding]
        if neither:
            raise ValueError(f"levels in neither early help nor safeguarding: {neither}")
        return self

    def rule(self, rule_id: str) -> RuleText:
        """The rule with this id.

        Raises:
            KeyError: no rule has that id.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def _typed(self, rule_id: str, kind: type[RuleT]) -> RuleT:
        found = self.rule(rule_id)
        if not isinstance(found, kind):  # pragma: no cover - the discriminator ensures it
            raise TypeError(f"rule {rule_id} is not a {kind.__name__}")
        return found

    @property
    def consent_scope(self) -> ConsentScopeRule:
        """The consent-scope rule."""
        return self._typed("consent-scope", ConsentScopeRule)

    @property
    def early_help(self) -> EarlyHelpRule:
        """The early-help-needs-consent rule."""
        return self._typed("early-help-needs-consent", EarlyHelpRule)

    @property
    def safeguarding(self) -> SafeguardingRule:
        """The safeguarding-without-consent rule."""
        return self._typed("safeguarding-without-consent", SafeguardingRule)

    @property
    def history_window(self) -> HistoryWindowRule:
        """The history-window rule."""
        return self._typed("history-window", HistoryWindowRule)

    @property
    def sensitive(self) -> SensitiveCategoriesRule:
        """The sensitive-categories rule."""
        return self._typed("sensitive-categories", SensitiveCategoriesRule)


def parse_rules(text: str, *, source: str = "rule file") -> PolicyRules:
    """Parse and check the text of a rule file.

    Raises:
        ConfigurationError: naming ``source`` and each problem in it.
    """
    return parse_toml(PolicyRules, text, f"policy {source}")


@cache
def load_rules(path: Path | None = None) -> PolicyRules:
    """The rules from ``path``, or the bundled ``rules.toml`` when None; parsed once.

    Raises:
        ConfigurationError: the file cannot be read, or a rule in it is malformed.
    """
    if path is None:
        bundled = resources.files("agents.policy").joinpath("rules.toml")
        return parse_rules(bundled.read_text(encoding="utf-8"), source="bundled rules.toml")
    text = read_config(path, "policy rule file")
    return parse_rules(text, source=f"rule file {path}")
