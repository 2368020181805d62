"""The local authority's own rules: office hours, bank holidays and teams.

Each authority runs its MASH differently (Wigan opens 8.30-17.00, Oldham
08.40-17.00; outside those hours the out-of-hours or emergency duty team is the
first point of contact), so these are data files, one per authority, not code.
Samples for Wigan and Oldham ship in ``broker/authorities/``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from broker.config_files import parse_toml, read_config
from broker.errors import ConfigurationError
from broker.schema_store import packaged_schemas
from broker.vocabulary import CATEGORIES

TEAM_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class TeamKind(enum.StrEnum):
    """What a team does in the safeguarding pathway."""

    MASH_DUTY = "mash_duty"
    OUT_OF_HOURS = "out_of_hours"
    COMPLEX_SAFEGUARDING = "complex_safeguarding"
    AREA = "area"
    EARLY_HELP = "early_help"


class Team(BaseModel):
    """A team that can receive a family picture; its key names its topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    name: str
    kind: TeamKind

    @field_validator("key")
    @classmethod
    def _key_is_topic_safe(cls, key: str) -> str:
        if not TEAM_KEY.match(key):
            raise ValueError(f"team key {key!r} must be lower-case letters, digits and '-'")
        return key


class OfficeHours(BaseModel):
    """When the MASH itself answers; at other times out-of-hours does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: tuple[str, ...] = Field(default=("mon", "tue", "wed", "thu", "fri"))
    opens: time
    closes: time

    @field_validator("days")
    @classmethod
    def _days_are_weekdays(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}: use {', '.join(WEEKDAYS)}")
        return days

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OfficeHours:
        if self.opens >= self.closes:
            raise ValueError(f"opens {self.opens} is not before closes {self.closes}")
        return self


class Timings(BaseModel):
    """How soon agencies must answer, by RAG rating, and the decision standard.

    Two clocks: agencies answer within their RAG rating's time; a management
    decision on every contact is due within ``decision_hours`` of it (24 hours:
    Oldham 5.10), whatever has arrived by then. A green contact's late answers
    still reach the picture as a later revision.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    red_hours: float = Field(default=4, gt=0)
    amber_hours: float = Field(default=24, gt=0)
    green_hours: float = Field(default=72, gt=0)
    decision_hours: float = Field(default=24, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Timings:
        if not self.red_hours <= self.amber_hours <= self.green_hours:
            raise ValueError("red_hours <= amber_hours <= green_hours must hold")
        return self

    def answer_within(self, rag: str) -> timedelta:
        """How long agencies have to answer a contact of this RAG rating."""
        hours = {"RED": self.red_hours, "AMBER": self.amber_hours}.get(rag, self.green_hours)
        return timedelta(hours=hours)

    def decision_within(self) -> timedelta:
        """How long the MASH has to make its management decision on a contact."""
        return timedelta(hours=self.decision_hours)


class Authority(BaseModel):
    """One local authority's MASH configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    name: str
    timezone: str = "Europe/London"
    office_hours: OfficeHours
    bank_holidays: tuple[date, ...] = ()
    teams: tuple[Team, ...]
    timings: Timings = Timings()
    asks: dict[str, dict[str, tuple[str, ...]]] = Field(
        default_factory=dict,
        description="Which agencies are asked, for which of their categories: 'default' "
        "for every contact, and per concern category (uk.mash.v1.ConcernCategory).",
    )

    @field_validator("asks")
    @classmethod
    def _asks_are_known(
        cls, asks: dict[str, dict[str, tuple[str, ...]]]
    ) -> dict[str, dict[str, tuple[str, ...]]]:
        concerns = set(concern_symbols())
        for concern, agencies in asks.items():
            if concern != "default" and concern not in concerns:
                raise ValueError(f"asks.{concern}: not a concern category")
            for agency, codes in agencies.items():
                if agency not in CATEGORIES:
                    raise ValueError(f"asks.{concern}.{agency}: not an agency")
                unknown = [code for code in codes if code not in CATEGORIES[agency]]
                if unknown:
                    raise ValueError(f"asks.{concern}.{agency}: not {agency} categories: {unknown}")
        return asks

    def asks_for(self, concerns: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The agencies to ask about a contact, each with the categories it may return.

        The union of the default asks and those of each of the contact's concerns,
        in the agencies' and vocabularies' own order.
        """
        wanted: dict[str, set[str]] = {}
        for key in ("default", *concerns):
            for agency, codes in self.asks.get(key, {}).items():
                wanted.setdefault(agency, set()).update(codes)
        return {
            agency: tuple(code for code in CATEGORIES[agency] if code in wanted[agency])
            for agency in CATEGORIES
            if agency in wanted
        }

    def team_of_kind(self, kind: TeamKind) -> Team:
        """The first team of a kind (a duty team and an out-of-hours team always exist)."""
        for team in self.teams:
            if team.kind is kind:
                return team
        raise ConfigurationError(f"{self.name} has no team of kind {kind.value}")

    @model_validator(mode="after")
    def _teams_are_complete(self) -> Authority:
        keys = [team.key for team in self.teams]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"team keys must be unique, repeated: {duplicates}")
        kinds = {team.kind for team in self.teams}
        for needed in (TeamKind.MASH_DUTY, TeamKind.OUT_OF_HOURS):
            if needed not in kinds:
                raise ValueError(f"the authority needs a team of kind {needed.value!r}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The authority's local time zone."""
        return ZoneInfo(self.timezone)

    def team_keys(self) -> list[str]:
        """The keys of every team, in file order."""
        return [team.key for team in self.teams]

    def is_office_hours(self, moment: datetime) -> bool:
        """Whether the MASH is open at ``moment`` (an aware datetime).

        Closed at weekends not listed in ``days`` and on bank holidays, so that
        urgent contacts then go to the out-of-hours team (Wigan; Oldham 2.1).
        """
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        local = moment.astimezone(self.zone)
        if local.date() in self.bank_holidays:
            return False
        if WEEKDAYS[local.weekday()] not in self.office_hours.days:
            return False
        return self.office_hours.opens <= local.time() < self.office_hours.closes


def concern_symbols() -> list[str]:
    """The symbols of uk.mash.v1.ConcernCategory."""
    symbols: list[str] = packaged_schemas().definition("uk.mash.v1.ConcernCategory")["symbols"]
    return symbols


def bundled_authority_files() -> dict[str, str]:
    """Names and contents of the sample authority files shipped in the package."""
    folder = resources.files("broker.authorities")
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def load_authority(path: Path | None = None) -> Authority:
    """Read an authority file, or the bundled Wigan sample when ``path`` is None.

    Raises:
        ConfigurationError: naming the file and each problem in it.
    """
    if path is None:
        source, text = "bundled wigan.toml", bundled_authority_files()["wigan"]
    else:
        source, text = str(path), read_config(path, "authority file")
    return parse_toml(Authority, text, f"authority file {source}")
