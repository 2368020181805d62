"""The local authority's own rules: office hours, bank holidays and teams.

Each authority runs its MASH differently (Wigan opens 8.30-17.00, Oldham
08.40-17.00; outside those hours the out-of-hours or emergency duty team is the
first point of contact), so these are data files, one per authority, not code.
Samples for Wigan and Oldham ship in ``broker/authorities/``.
"""

from __future__ import annotations

import enum
import re
import tomllib
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from broker.errors import ConfigurationError

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


class Authority(BaseModel):
    """One local authority's MASH configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    name: str
    timezone: str = "Europe/London"
    office_hours: OfficeHours
    bank_holidays: tuple[date, ...] = ()
    teams: tuple[Team, ...]

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
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read authority file {path}: {exc.strerror}") from exc
    try:
        return Authority.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"authority file {source} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"authority file {source} is invalid: {problems}") from exc
