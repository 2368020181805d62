"""The case board, the case page with its family picture, and recording the MASH decision.

Every route here serves one team: the signed-in member's. A case is the team's
when the audit says it is with the team or a picture of it reached the team's
topic; any other case id, of another team or of no case at all, is answered
with the same 404, so a member cannot even learn that another team's case
exists. Pictures are opened with the member's team key only
(:class:`mash.web.pictures.TeamPictures`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mash.case_board import Case
from mash.web.auth import decision_maker, team_member
from mash.web.case_view import (
    agency_answers,
    answers_clock,
    board,
    child_name,
    decision_clock,
    latest_decisions,
    picture_view,
    team_cases,
)
from mash.web.console import Console
from mash.web.decisions import (
    decision_audit,
    decision_problems,
    decision_value,
    record_decision,
)
from mash.web.pictures import TeamPictures
from mash.web.templating import render
from mash.web.users import StaffMember

router = APIRouter()
Member = Annotated[StaffMember, Depends(team_member)]


def _team(member: StaffMember) -> str:
    assert member.team is not None  # noqa: S101 - team_member() guarantees it
    return member.team


def board_context(console: Console, member: StaffMember) -> dict[str, Any]:
    """What the case board shows the member's team."""
    team = _team(member)
    values = console.feed.values
    cases = team_cases(values.audit, values.notifications, team)
    pictures = TeamPictures(console.feed, console.keystore, team)
    for case_id in console.feed.case_ids_of_team(team):
        cases.setdefault(case_id, Case(case_id, team_key=team))
    children = {}
    for case_id in cases:
        picture = pictures.open(case_id)
        name = child_name(picture) if picture else None
        if name:
            children[case_id] = name
    rows = board(
        cases.values(),
        latest_decisions(values.decisions),
        children,
        console.authority.timings,
        console.clock(),
    )
    return {
        "rows": rows,
        "team_name": console.team_name(team),
        "now": console.clock(),
        "timings": console.authority.timings,
    }


@router.get("/cases")
async def case_board(request: Request, member: Member) -> HTMLResponse:
    """The team's cases, the most urgent first, updated live."""
    console: Console = request.app.state.console
    return render(request, "cases/board.html", **board_context(console, member))


@router.get("/cases/board")
async def case_board_fragment(request: Request, member: Member) -> HTMLResponse:
    """The case board's table alone, for the live update."""
    console: Console = request.app.state.console
    context = board_context(console, member)
    return render(request, "cases/board_table.html", fragment=True, **context)


def case_context(console: Console, member: StaffMember, case_id: str) -> dict[str, Any]:
    """What the case page shows, for a case of the member's team.

    Raises:
        HTTPException: 404 when the id is not a case of the member's team.
    """
    try:
        case_id = str(uuid.UUID(case_id))
    except ValueError:
        raise HTTPException(404) from None
    team = _team(member)
    values = console.feed.values
    cases = team_cases(values.audit, values.notifications, team)
    pictures = TeamPictures(console.feed, console.keystore, team)
    if case_id not in cases and pictures.sealed(case_id) is None:
        raise HTTPException(404)
    case = cases.get(case_id) or Case(case_id, team_key=team)
    timings, now = console.authority.timings, console.clock()
    decided = latest_decisions(values.decisions).get(case_id)
    picture = pictures.open(case_id)
    audit = [record for record in values.audit if str(record.get("case_id")) == case_id]
    return {
        "case": case,
        "case_id": case_id,
        "reference": case_id[:8],
        "team_name": console.team_name(team),
        "answers": answers_clock(case, timings, now),
        "decision_due": decision_clock(case, timings, now, decided),
        "agencies": agency_answers(audit, case_id),
        "agency_due": case.answers_due(timings),
        "decided": decided,
        "picture": picture_view(picture, audit) if picture else None,
        "revisions": pictures.revisions(case_id),
        "now": now,
        "child": child_name(picture) if picture else None,
    }


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, member: Member) -> HTMLResponse:
    """One case: its clock, the agencies' answers, the family picture, the decision."""
    console: Console = request.app.state.console
    context = case_context(console, member, case_id)
    return render(request, "cases/case.html", errors={}, form={}, **context)


@router.get("/cases/{case_id}/live")
async def case_live_fragment(request: Request, case_id: str, member: Member) -> HTMLResponse:
    """The live part of the case page alone (clock, answers, picture), for the live update."""
    console: Console = request.app.state.console
    context = case_context(console, member, case_id)
    return render(request, "cases/case_live.html", fragment=True, **context)


@router.post("/cases/{case_id}/decision")
async def decide(
    request: Request,
    case_id: str,
    member: Annotated[StaffMember, Depends(decision_maker)],
    outcome: Annotated[str, Form()] = "",
    level_of_need: Annotated[str, Form()] = "",
    rationale: Annotated[str, Form()] = "",
) -> Response:
    """Record the MASH decision on the case: onto its topic and into the audit."""
    console: Console = request.app.state.console
    context = case_context(console, member, case_id)
    form = {"outcome": outcome, "level_of_need": level_of_need, "rationale": rationale}
    errors = decision_problems(outcome, level_of_need, rationale)
    if errors:
        return render(request, "cases/case.html", 400, errors=errors, form=form, **context)
    team = _team(member)
    picture = TeamPictures(console.feed, console.keystore, team).open(context["case_id"])
    decision = decision_value(
        context["case_id"],
        outcome,
        level_of_need,
        rationale,
        member,
        console.team_name(team),
        console.authority.name,
        picture,
        console.clock(),
    )
    audit_record = decision_audit(decision, picture, console.keystore)
    await record_decision(decision, audit_record, console.settings, console.keystore)
    # Shown once read back from its topic, so the page is what the broker holds.
    await console.feed.wait_for_decision(decision["decision_id"], within=10.0)
    request.state.session.flash.append("The MASH decision has been recorded and audited.")
    return RedirectResponse(f"/cases/{context['case_id']}#decision", status_code=303)
