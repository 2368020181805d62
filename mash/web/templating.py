"""Rendering pages: Jinja with the GOV.UK Frontend macros and the console's own templates.

``govuk_frontend_jinja`` ports the Design System's Nunjucks macros and page
template; its templates are loaded under their own prefix, the console's from
``mash/web/templates``. Every page gets the signed-in member, the session's
CSRF token, the request's CSP nonce (for the template's one inline script) and
the service navigation for the member's role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

from broker.decisions import OUTCOMES
from mash.case_board import Case, span
from mash.text_layout import LOCAL_TIME, words
from mash.web.case_view import age_on
from mash.web.users import StaffMember

SERVICE_NAME = "MASH Exchange"
RAG_TAGS = {"RED": "govuk-tag--red", "AMBER": "govuk-tag--orange", "GREEN": "govuk-tag--green"}
LEVELS = {
    "LEVEL_1": "Level 1: Universal",
    "LEVEL_2": "Level 2: Earliest Help (additional needs)",
    "LEVEL_3": "Level 3: Early Help (complex needs)",
    "LEVEL_4": "Level 4: Safeguarding, acute and specialist",
    "UNKNOWN": "Not stated",
}


def environment() -> Environment:
    """The Jinja environment of the console's pages, autoescaping HTML."""
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("mash.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(("html",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["error_list"] = error_list
    env.globals["age_on"] = age_on
    env.filters.update(
        local_time=local_time,
        local_date=local_date,
        words=words,
        level=level_words,
        rag_tag=rag_tag_class,
        outcome=outcome_words,
        span=span,
        answered=answered_count,
    )
    return env


def answered_count(case: Case) -> int:
    """How many of the agencies asked about a case have answered."""
    return len(case.answered & case.asked)


def error_list(
    errors: dict[str, str], anchors: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The error summary's items: each message linking to its field (or ``anchors``' id)."""
    anchors = anchors or {}
    return [
        {"text": message, "href": "#" + anchors.get(field, field.replace(".", "-"))}
        for field, message in errors.items()
    ]


def local_time(moment: object) -> str:
    """A moment in UK local time, as GOV.UK writes times: ``3 March 2026, 10:14``."""
    if not isinstance(moment, datetime):
        return "Not known"
    local = moment.astimezone(LOCAL_TIME)
    return f"{local.day} {local:%B %Y, %H:%M}"


def local_date(day: object) -> str:
    """A date as GOV.UK writes dates: ``3 March 2026``."""
    if isinstance(day, datetime):
        day = day.astimezone(LOCAL_TIME).date()
    if not hasattr(day, "strftime"):
        return "Date not known"
    return f"{day.day} {day.strftime('%B %Y')}"  # type: ignore[attr-defined]


def level_words(level: object) -> str:
    """A LevelOfNeed symbol in the words of Wigan's continuum of need."""
    return LEVELS.get(str(level), str(level))


def rag_tag_class(rating: object) -> str:
    """The GOV.UK tag colour of a RAG rating."""
    return RAG_TAGS.get(str(rating), "govuk-tag--grey")


def outcome_words(outcome: object) -> str:
    """A MashOutcome symbol in words."""
    return OUTCOMES.get(str(outcome), words(outcome))


def navigation(member: StaffMember | None, path: str) -> list[dict[str, Any]]:
    """The service navigation's links for the member's role, the current one marked."""
    if member is None:
        return []
    links: list[tuple[str, str]] = []
    if member.works_cases:
        links += [("/cases", "Cases"), ("/contacts/new", "Submit a contact")]
    if member.reads_audit:
        links += [("/audit", "Audit"), ("/audit/verify", "Chain verification")]
    links.append(("/account", "Your account"))
    return [
        {"href": href, "text": text, "active": path == href or path.startswith(href + "/")}
        for href, text in links
    ]


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    *,
    fragment: bool = False,
    **context: Any,
) -> HTMLResponse:
    """A page of the console (or, with ``fragment``, a live region of one), rendered.

    A one-off message (``session.flash``) is shown by the next whole page only: a
    live region fetched meanwhile must not take it.
    """
    console = request.app.state.console
    session = getattr(request.state, "session", None)
    member: StaffMember | None = getattr(request.state, "member", None)
    flash = list(session.flash) if session is not None and not fragment else []
    if session is not None and not fragment:
        session.flash.clear()
    common = {
        "request": request,
        "member": member,
        "csrf_token": session.csrf_token if session is not None else "",
        "cspNonce": getattr(request.state, "csp_nonce", ""),
        "serviceName": SERVICE_NAME,
        "authority_name": console.authority.name,
        "team_names": {team.key: team.name for team in console.authority.teams},
        "navigation": navigation(member, request.url.path),
        "flash": flash,
        "feed_version": console.feed.version,
    }
    html = console.templates.get_template(template).render({**common, **context})
    return HTMLResponse(html, status_code=status_code)
