"""``mash policy explain``: the decision trace for a contact, without running anything.

What triage would decide (RAG rating, deadlines, the receiving team,
notifications, the agencies asked and for which categories) and then, for each
request, what the consent and proportionality rules would do with the answer;
every decision names its rule id and the version of the rules. Nothing is
published and no broker is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from agents import triage
from agents.policy import explain as policy_explain
from agents.policy import load_rules
from broker.authority import Authority, load_authority
from connectors.intake import read_contact
from mash.options import authority_for, settings_for
from mash.text_layout import INDENT, WIDTH, heading, word_list, words, wrap

SOURCE_PREFIX = "Source of "


@click.group()
def policy() -> None:
    """Explain the triage and sharing rules applied to a contact."""


@policy.command("explain")
@click.argument("contact_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--authority",
    "authority_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The authority file (TOML) whose teams, timings and asks apply. Default: "
    "$MASH_AUTHORITY_FILE, else the bundled Wigan sample.",
)
def explain_contact(contact_file: Path, authority_file: Path | None) -> None:
    """Show what triage and the policy would decide for the contact in CONTACT_FILE.

    Nothing is run or published. Triage's plan (RAG rating, deadlines, the team,
    notifications, the agencies asked with their categories), then for each
    request how the consent and proportionality rules would treat the answer,
    each decision with its rule id and the rules' version. No allocations are
    consulted, so a child already open to a team is not recognised here.
    """
    contact = read_contact(contact_file)
    if authority_file is None:
        settings = settings_for(None)
        authority = authority_for(settings)
        source = str(settings.authority_file or "bundled wigan.toml")
    else:
        authority, source = load_authority(authority_file), str(authority_file)
    plan = triage.plan(contact, authority, [], datetime.now(UTC))
    click.echo(decision_trace(contact, authority, source, plan))


def decision_trace(
    contact: Mapping[str, Any], authority: Authority, source: str, plan: triage.TriagePlan
) -> str:
    """The whole trace as text."""
    sections = [
        _summary(contact, authority, source),
        _triage(plan, authority),
        *(_request(request) for request in plan.requests),
        _sources(plan.requests),
    ]
    return "\n\n".join(section for section in sections if section)


def _summary(contact: Mapping[str, Any], authority: Authority, source: str) -> str:
    received = contact["received_at"]
    hours = "inside" if authority.is_office_hours(received) else "outside"
    rows = [
        ("Contact", str(contact["contact_id"])),
        ("Authority", f"{authority.name} ({source})"),
        ("Received", f"{_when(received, authority)}, {hours} office hours"),
        ("Concerns", word_list(contact["concern_categories"])),
        ("Level of need", f"{words(contact['referrer_level_of_need'])} (the referrer's view)"),
        ("Immediate risk", "YES" if contact["immediate_risk"] else "no"),
        ("Suspected crime", "YES" if contact["suspected_crime"] else "no"),
        ("Consent", words(contact["consent"]["status"])),
    ]
    lines = [
        f"DECISION TRACE  case {contact['case_id']}",
        "=" * WIDTH,
        wrap(
            f"Nothing is run or published: this is what triage (rules version "
            f"{triage.TRIAGE_VERSION}) and the policy (rules version "
            f"{load_rules().version}) would decide."
        ),
    ]
    lines += [wrap(f"{label:<17}{value}", subsequent=" " * 17) for label, value in rows]
    return "\n".join(lines)


def _triage(plan: triage.TriagePlan, authority: Authority) -> str:
    decisions = {decision.rule_id: decision for decision in plan.decisions}
    rag, route = plan.decisions[0], plan.decisions[1]
    timings = authority.timings
    answer_hours = timings.answer_within(plan.rag_rating).total_seconds() / 3600
    team_names = {team.key: team.name for team in authority.teams}
    lines = heading(f"TRIAGE (rules version {triage.TRIAGE_VERSION})")
    lines.append(f"RAG rating: {plan.rag_rating}")
    lines.append(_rule(rag))
    lines.append(
        wrap(
            f"Agencies answer by: {_when(plan.answer_by, authority)} "
            f"({answer_hours:g} hours for {plan.rag_rating})"
        )
    )
    lines.append(
        wrap(
            f"Decision due: {_when(plan.decision_due, authority)} "
            f"({timings.decision_hours:g} hours after the contact)"
        )
    )
    lines.append(f"Team: {plan.team_key} ({team_names.get(plan.team_key, 'not in the file')})")
    lines.append(_rule(route))
    lines.append(
        wrap(
            "(No allocations are consulted here: a child already open to a team would go "
            "straight to it, rule allocated-child.)",
            INDENT,
        )
    )
    lines.append(f"Notifications ({len(plan.notifications)}):")
    if not plan.notifications:
        lines.append(f"{INDENT}none")
    for notification in plan.notifications:
        recipient = notification["recipient"]
        to = recipient["team_key"] or str(recipient["agency"]).lower()
        lines.append(wrap(f"- {notification['kind']} to {to}: {notification['reason']}", "", "  "))
        rule = next(d for d in plan.decisions if d.outcome == notification["kind"])
        lines.append(_rule(rule))
    asked = decisions.get("agencies-by-concern")
    lines.append(f"Agencies asked ({len(plan.requests)}):")
    if asked is not None:
        lines.append(_rule(asked))
    for request in plan.requests:
        codes = request["categories_permitted"]
        text = f"- {request['agency'].lower()} ({len(codes)} categories): {', '.join(codes)}"
        lines.append(wrap(text, "", "  "))
    if asked is None:
        lines.append(f"{INDENT}none: the case goes straight to its team")
    return "\n".join(lines)


def _request(request: Mapping[str, Any]) -> str:
    lines = heading(f"POLICY FOR THE {request['agency'].replace('_', ' ')} REQUEST")
    for line in policy_explain(request):
        # Rule sources are the same for every request: listed once, at the end.
        if not line.startswith(SOURCE_PREFIX):
            lines.append(wrap(line, "", INDENT))
    return "\n".join(lines)


def _sources(requests: tuple[dict[str, Any], ...]) -> str:
    sources = dict.fromkeys(
        line.removeprefix(SOURCE_PREFIX)
        for request in requests
        for line in policy_explain(request)
        if line.startswith(SOURCE_PREFIX)
    )
    if not sources:
        return ""
    lines = heading("POLICY RULE SOURCES")
    lines += [wrap(f"- {source}", "", "  ") for source in sources]
    return "\n".join(lines)


def _rule(decision: triage.Decision) -> str:
    return wrap(f"rule {decision.rule_id}: {decision.rule_text}", INDENT, INDENT + "  ")


def _when(moment: datetime, authority: Authority) -> str:
    return moment.astimezone(authority.zone).strftime("%a %d %b %Y %H:%M %Z")
