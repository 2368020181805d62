"""Submitting a contact: the form, its errors, and the confirmation.

The contact is checked as intake checks it (:mod:`mash.web.contact_form`) and
published as intake publishes it (``connectors.intake.submit_contact``: signed
by intake, encrypted under the new case's key, onto ``mash.contacts.v1``).
Triage decides which team it goes to; the confirmation page says where it went
once the audit records it, and links to the case when it is the member's team's.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from broker.authority import concern_symbols
from mash.case_board import gather
from mash.web import contact_form
from mash.web.auth import team_member
from mash.web.console import Console
from mash.web.templating import render
from mash.web.users import StaffMember

router = APIRouter()
Member = Annotated[StaffMember, Depends(team_member)]
#: Field ids whose error summary link goes to the first control of a group.
ANCHORS = {
    "child_dob": "child_dob-day",
    "consent_date": "consent_date-day",
    **{f"person{n}_dob": f"person{n}_dob-day" for n in range(1, contact_form.OTHER_PEOPLE + 1)},
}


def form_context(form: contact_form.ContactForm) -> dict[str, Any]:
    """The template's view of the form."""
    return {
        "form": form,
        "errors": form.errors,
        "anchors": ANCHORS,
        "choices": contact_form,
        "concerns": [c for c in concern_symbols() if c != "OTHER"],
        "people": range(1, contact_form.OTHER_PEOPLE + 1),
    }


@router.get("/contacts/new")
async def new_contact(request: Request, member: Member) -> HTMLResponse:
    """An empty contact form."""
    return render(request, "contacts/new.html", **form_context(contact_form.blank_form()))


@router.post("/contacts/new")
async def submit(request: Request, member: Member) -> Response:
    """Check the contact; publish it, or show the form again with every problem."""
    console: Console = request.app.state.console
    posted = await request.form()
    values: dict[str, str | list[str]] = {}
    for name in posted:
        found = [v for v in posted.getlist(name) if isinstance(v, str)]
        values[name] = found if name in contact_form_lists() else (found[0] if found else "")
    form = contact_form.read_form(values, concern_symbols(), console.clock())
    if form.contact is None:
        return render(request, "contacts/new.html", 400, **form_context(form))
    await console.publish_contact(form.contact, console.settings, console.keystore)
    case_id = str(form.contact["case_id"])
    request.state.session.submitted.append(case_id)
    return RedirectResponse(f"/contacts/{case_id}/submitted", status_code=303)


def contact_form_lists() -> frozenset[str]:
    """The form's fields that are groups of checkboxes."""
    return frozenset({"concern_categories", "lawful_basis", "override_gateway"})


@router.get("/contacts/{case_id}/submitted")
async def submitted(
    request: Request, case_id: str, member: Member, fragment: bool = False
) -> HTMLResponse:
    """The confirmation of a contact submitted in this session, and where triage sent it.

    With ``fragment``, only the part that changes as triage routes the contact.
    """
    console: Console = request.app.state.console
    try:
        case_id = str(uuid.UUID(case_id))
    except ValueError:
        raise HTTPException(404) from None
    if case_id not in request.state.session.submitted:
        raise HTTPException(404)
    values = console.feed.values
    case = next(
        (c for c in gather(values.audit, values.notifications) if c.case_id == case_id), None
    )
    return render(
        request,
        "contacts/submitted_status.html" if fragment else "contacts/submitted.html",
        fragment=fragment,
        case_id=case_id,
        reference=case_id[:8],
        case=case,
        routed_team=console.team_name(case.team_key) if case and case.team_key else None,
        ours=case is not None and case.team_key == member.team,
    )
