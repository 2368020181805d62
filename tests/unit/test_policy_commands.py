"""``mash policy explain``: the decision trace of a contact, every decision with its rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from agents.policy import load_rules
from agents.triage import TRIAGE_VERSION
from broker.authority import bundled_authority_files
from mash.cli import mash

EXAMPLE = Path(__file__).parents[2] / "examples" / "contact.yaml"


def explain(*args: str) -> str:
    result = CliRunner().invoke(mash, ["policy", "explain", *args])
    assert result.exit_code == 0, result.output
    return result.output


def section(text: str, title: str) -> str:
    """A section, from its title to the next blank line."""
    start = text.index(f"\n{title}") + 1
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else len(text)]


def contact_file(tmp_path: Path, **changes: Any) -> Path:
    contact = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    contact.update(changes)
    path = tmp_path / "contact.yaml"
    path.write_text(yaml.safe_dump(contact), encoding="utf-8")
    return path


TRACE = explain(str(EXAMPLE))


def test_the_trace_names_the_contact_and_the_rule_versions() -> None:
    assert TRACE.startswith("DECISION TRACE  case 18147c44-f789-416f-8ea7-86cdf35c7572\n")
    assert "Contact          88352237-d3b2-4c4f-9e77-e0fd3d5c7771" in TRACE
    assert f"TRIAGE (rules version {TRIAGE_VERSION})" in TRACE
    assert f"the policy (rules version {load_rules().version})" in " ".join(TRACE.split())
    assert "Wigan Council (bundled wigan.toml)" in TRACE


def test_the_rag_rating_deadlines_and_team_with_their_rules() -> None:
    triage = section(TRACE, "TRIAGE")
    assert "RAG rating: RED" in triage
    assert "rule rag-red: Immediate risk, or significant-harm concerns at level 4" in triage
    assert "Agencies answer by: Tue 03 Mar 2026 14:14 GMT (4 hours for RED)" in triage
    assert "Decision due: Wed 04 Mar 2026 10:14 GMT (24 hours after the contact)" in triage
    assert "Team: mash-duty (MASH duty team)" in triage
    assert "rule mash-duty: Everything else is screened by the MASH duty team." in triage


def test_notifications_with_their_rules() -> None:
    triage = section(TRACE, "TRIAGE")
    assert "Notifications (1):" in triage
    assert "- POLICE_NOTIFICATION to police: Suspected crime" in triage
    assert "rule police-notification:" in triage


@pytest.mark.parametrize(
    ("agency", "categories"),
    [
        ("police", 8),
        ("health", 7),
        ("education", 7),
        ("housing", 3),
        ("probation", 4),
        ("social_care", 7),
    ],
)
def test_each_agency_asked_with_its_categories_and_policy(agency: str, categories: int) -> None:
    triage = " ".join(section(TRACE, "TRIAGE").split())
    assert "rule agencies-by-concern:" in triage
    assert f"- {agency} ({categories} categories): {agency}." in triage
    policy = section(TRACE, f"POLICY FOR THE {agency.upper().replace('_', ' ')} REQUEST")
    assert f"Policy rules version {load_rules().version}: {agency.upper()} request" in policy
    assert "request-subjects-only:" in policy
    assert "permitted-categories-only:" in policy
    assert "history-window:" in policy


def test_the_policy_rules_that_decide_are_named() -> None:
    police = " ".join(section(TRACE, "POLICY FOR THE POLICE REQUEST").split())
    assert "consent-given: may be shared" in police
    assert "consent-scope-persons: withheld" in police
    assert (
        "police.crime_suspect_or_offender: full (sensitive-categories, group offending-history"
        in police
    )
    housing = " ".join(section(TRACE, "POLICY FOR THE HOUSING REQUEST").split())
    assert "consent-scope decides: nothing is shared" in housing
    assert "housing.tenancy: withheld (consent-scope: nothing is shared)" in housing


def test_rule_sources_are_listed_once() -> None:
    sources = section(TRACE, "POLICY RULE SOURCES")
    assert "Source of" not in TRACE
    assert sources.count("- consent-given: Oldham 4.1") == 1
    assert "- sensitive-categories:" in sources


def test_lines_fit_the_width() -> None:
    assert max(len(line) for line in TRACE.splitlines()) <= 100


def test_an_exploitation_contact_out_of_hours(tmp_path: Path) -> None:
    path = contact_file(
        tmp_path,
        received_at="2026-03-07T23:10:00Z",  # a Saturday night
        immediate_risk=True,
        suspected_crime=False,
        concern_categories=["CHILD_CRIMINAL_EXPLOITATION", "MISSING_FROM_HOME"],
    )
    trace = explain(str(path))
    triage = " ".join(section(trace, "TRIAGE").split())
    assert "Sat 07 Mar 2026 23:10 GMT, outside office hours" in trace
    assert "RAG rating: RED" in triage
    assert "Team: out-of-hours (Out of Hours (OOH))" in triage
    assert "rule out-of-hours-urgent:" in triage
    assert "- COMPLEX_SAFEGUARDING to complex-safeguarding:" in triage
    assert "rule complex-safeguarding-notification:" in triage
    assert "- IMMEDIATE_RISK to out-of-hours:" in triage
    assert "rule immediate-risk-escalation:" in triage
    assert "POLICE_NOTIFICATION" not in triage


def test_another_authority_file(tmp_path: Path) -> None:
    oldham = tmp_path / "oldham.toml"
    oldham.write_text(bundled_authority_files()["oldham"], encoding="utf-8")
    trace = explain(str(EXAMPLE), "--authority", str(oldham))
    assert f"Oldham Council ({oldham})" in " ".join(trace.split())
    assert "Team: duty-and-advice (MASH Duty and Advice team)" in trace


def test_a_bad_contact_lists_its_problems_without_a_traceback(tmp_path: Path) -> None:
    path = contact_file(tmp_path, referrer_level_of_need="LEVEL_9")
    env = {key: value for key, value in os.environ.items() if key != "MASH_AUTHORITY_FILE"}
    result = subprocess.run(
        [sys.executable, "-m", "mash", "policy", "explain", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 1
    assert "referrer_level_of_need" in result.stderr
    assert "Traceback" not in result.stderr
