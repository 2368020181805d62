"""Authority files: office hours, bank holidays and teams as the seed documents give them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broker.authority import TeamKind, bundled_authority_files, load_authority
from broker.errors import ConfigurationError
from broker.vocabulary import CATEGORIES

LONDON = ZoneInfo("Europe/London")
AUTHORITIES = Path(__file__).parents[2] / "broker" / "authorities"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_wigan_mash_is_open_8_30_to_5_monday_to_friday() -> None:
    """Wigan Council, MASH information for professionals: 8.30am to 5.00pm Monday to Friday."""
    wigan = load_authority()
    assert wigan.key == "wigan"
    assert not wigan.is_office_hours(at("2026-11-23 08:29"))
    assert wigan.is_office_hours(at("2026-11-23 08:30"))
    assert wigan.is_office_hours(at("2026-11-27 16:59"))
    assert not wigan.is_office_hours(at("2026-11-27 17:00"))
    assert not wigan.is_office_hours(at("2026-11-28 10:00")), "Saturday: out of hours"


def test_oldham_duty_and_advice_opens_at_08_40() -> None:
    """Oldham MASH Duty and Advice operating procedures 2.1: 08:40am to 5:00pm."""
    oldham = load_authority(AUTHORITIES / "oldham.toml")
    assert not oldham.is_office_hours(at("2026-11-23 08:35"))
    assert oldham.is_office_hours(at("2026-11-23 08:40"))
    kinds = {team.key: team.kind for team in oldham.teams}
    assert kinds["edt"] is TeamKind.OUT_OF_HOURS
    assert kinds["complex-safeguarding"] is TeamKind.COMPLEX_SAFEGUARDING


def test_bank_holidays_are_out_of_hours() -> None:
    wigan = load_authority()
    assert not wigan.is_office_hours(at("2026-12-28 10:00")), "Boxing Day substitute"
    assert wigan.is_office_hours(at("2026-12-29 10:00"))


def test_office_hours_use_local_time_across_clock_changes() -> None:
    wigan = load_authority()
    summer_morning_utc = datetime.fromisoformat("2026-07-01T07:45:00+00:00")  # 08:45 BST
    assert wigan.is_office_hours(summer_morning_utc)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        load_authority().is_office_hours(datetime(2026, 11, 23, 10, 0))


def test_every_bundled_sample_is_valid() -> None:
    samples = bundled_authority_files()
    assert {"wigan", "oldham"} <= set(samples)
    for name in samples:
        authority = load_authority(AUTHORITIES / f"{name}.toml")
        assert {TeamKind.MASH_DUTY, TeamKind.OUT_OF_HOURS} <= {t.kind for t in authority.teams}


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (('kind = "out_of_hours"', 'kind = "area"'), "needs a team of kind 'out_of_hours'"),
        (('key = "early-help"', 'key = "mash-duty"'), "team keys must be unique"),
        (("opens = 08:30:00", "opens = 18:30:00"), "is not before closes"),
        (('key = "area-north"', 'key = "Area North"'), "must be lower-case"),
        (('days = ["mon",', 'days = ["monday",'), "unknown day"),
    ],
)
def test_invalid_files_are_explained(
    tmp_path: Path, mutation: tuple[str, str], message: str
) -> None:
    text = bundled_authority_files()["wigan"]
    assert mutation[0] in text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace(mutation[0], mutation[1], 1), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_authority(broken)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read authority file"):
        load_authority(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("key = ", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_authority(bad)


def test_rag_timings_and_the_24_hour_decision() -> None:
    """Oldham 5.10: a management decision within 24 hours of the contact."""
    timings = load_authority().timings
    assert timings.answer_within("RED") == timedelta(hours=4)
    assert timings.answer_within("AMBER") == timedelta(hours=24)
    assert timings.answer_within("GREEN") == timedelta(hours=72)
    assert timings.decision_within() == timedelta(hours=24)


def test_asks_add_agencies_only_for_the_concerns_that_need_them() -> None:
    """Oldham 5.6: only what is necessary, proportionate and relevant."""
    wigan = load_authority()
    routine = wigan.asks_for([])
    assert set(routine) == {"police", "health", "education", "social_care"}
    abuse = wigan.asks_for(["DOMESTIC_ABUSE"])
    assert {"probation", "housing"} <= set(abuse)
    assert "police.crime_suspect_or_offender" in abuse["police"]
    assert "police.crime_suspect_or_offender" not in routine["police"]
    assert list(abuse["police"]) == sorted(abuse["police"], key=list(CATEGORIES["police"]).index)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[asks.SNOWSTORM]\npolice = ["police.missing_episode"]\n', "not a concern category"),
        ('[asks.NEGLECT]\nfire = ["fire.safety_visit"]\n', "not an agency"),
        ('[asks.NEGLECT]\npolice = ["health.injury"]\n', "not police categories"),
        ("[timings]\nred_hours = 48\n", "red_hours <= amber_hours"),
    ],
)
def test_bad_asks_and_timings_are_explained(tmp_path: Path, section: str, message: str) -> None:
    text = bundled_authority_files()["wigan"]
    start = text.index("[timings]")
    broken = tmp_path / "broken.toml"
    broken.write_text(text[:start] + section + "\n" + text[text.index("[[teams]]") :])
    with pytest.raises(ConfigurationError, match=message):
        load_authority(broken)
