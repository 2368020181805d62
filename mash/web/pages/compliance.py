"""The compliance officer's pages: the audit explorer, chain verification, report downloads.

Every page reads the audit topic through and verifies it as ``mash audit verify``
does (:func:`mash.audit_log.read_topic`), and shows only the records whose chain
verifies; the read is kept until the console's feed sees new audit records. The
explorer has the filters of ``mash audit query``; its form is posted, so a
person's identifiers never appear in an address or a server log. The reports
are those of ``mash audit report``, downloaded as files.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from broker.errors import ConfigurationError
from broker.pseudonyms import pseudonym_key
from mash.audit_log import AuditLog, read_topic
from mash.audit_query import AuditFilter, as_csv, as_json, person_refs_for, select, symbols
from mash.audit_report import compliance_report, subject_access_report
from mash.web.auth import compliance_officer
from mash.web.console import Console
from mash.web.templating import render
from mash.web.users import StaffMember

router = APIRouter()
Officer = Annotated[StaffMember, Depends(compliance_officer)]
SHOWN = 300
FILTERS = (
    "case", "agency", "team", "lawful_basis", "overridden", "rule", "since", "until",
    "person_scheme", "person_value",
)  # fmt: skip


class VerifiedAudit:
    """The audit topic read and verified, again only when new records have arrived."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._log: AuditLog | None = None
        self._seen = -1

    async def log(self, console: Console) -> AuditLog:
        """The verified audit log as of now."""
        async with self._lock:
            arrived = len(console.feed.values.audit)
            if self._log is None or arrived != self._seen:
                self._log = await read_topic(console.settings, console.keystore.keyring())
                self._seen = arrived
            return self._log


def verified(request: Request) -> VerifiedAudit:
    """The app's one :class:`VerifiedAudit`."""
    state = request.app.state
    if not hasattr(state, "verified_audit"):
        state.verified_audit = VerifiedAudit()
    found: VerifiedAudit = state.verified_audit
    return found


def read_filter(
    values: dict[str, Any], decisions: list[str], console: Console
) -> tuple[AuditFilter, dict[str, str]]:
    """The explorer's filter from its form, and what is wrong with the form, by field."""
    errors: dict[str, str] = {}
    text = {name: str(values.get(name) or "").strip() for name in FILTERS}
    case_id = None
    if text["case"]:
        try:
            case_id = uuid.UUID(text["case"])
        except ValueError:
            errors["case"] = "Enter a case id in full, like 18147c44-f789-416f-8ea7-86cdf35c7572"
    since = _day(text["since"], "since", errors)
    until = _day(text["until"], "until", errors)
    refs = None
    if text["person_value"]:
        try:
            key = pseudonym_key(console.keystore.folder)[1]
            refs = person_refs_for(key, [(text["person_scheme"], text["person_value"])])
        except ConfigurationError as exc:
            errors["person_value"] = str(exc)[:1].upper() + str(exc)[1:]
    try:
        chosen = AuditFilter(
            case_id=case_id,
            agency=text["agency"] or None,
            team=text["team"] or None,
            decision=decisions or None,
            lawful_basis=text["lawful_basis"] or None,
            consent_overridden=True if text["overridden"] == "yes" else None,
            rule=text["rule"] or None,
            since=datetime.combine(since, time(), UTC) if since else None,
            until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
            person_refs=refs,
        )
    except ConfigurationError as exc:
        errors.setdefault("until", str(exc)[:1].upper() + str(exc)[1:])
        chosen = AuditFilter()
    return chosen, errors


def _day(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "Enter a date like 2026-03-03"
        return None


def explorer_context(console: Console) -> dict[str, Any]:
    """The choices the explorer's form offers."""
    return {
        "actions": [a for a in symbols("uk.mash.v1.AuditAction") if a != "OTHER"],
        "agencies": [a for a in symbols("uk.mash.v1.Agency") if a != "OTHER"],
        "bases": [b for b in symbols("uk.mash.v1.LawfulBasis") if b != "OTHER"],
        "schemes": [s for s in symbols("uk.mash.v1.IdentifierScheme") if s != "OTHER"],
        "teams": [(team.key, team.name) for team in console.authority.teams],
    }


@router.get("/audit")
async def explorer(request: Request, officer: Officer) -> HTMLResponse:
    """The audit's records, the latest first, with the explorer's filters."""
    console: Console = request.app.state.console
    log = await verified(request).log(console)
    return _explorer_page(request, console, log, log.records, {}, {}, [])


@router.post("/audit")
async def explore(request: Request, officer: Officer) -> Response:
    """The records the posted filters keep: shown, or downloaded as CSV or JSON."""
    console: Console = request.app.state.console
    form = await request.form()
    values = {name: form.get(name) for name in FILTERS}
    decisions = [d for d in form.getlist("decision") if isinstance(d, str)]
    chosen, errors = read_filter(values, decisions, console)
    log = await verified(request).log(console)
    if errors:
        return _explorer_page(request, console, log, [], values, errors, decisions, 400)
    found = select(log.records, chosen)
    download = form.get("download")
    if download in ("csv", "json"):
        body = as_csv(found) if download == "csv" else as_json(found)
        media = "text/csv" if download == "csv" else "application/json"
        return Response(
            body,
            media_type=f"{media}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mash-audit.{download}"'},
        )
    return _explorer_page(request, console, log, found, values, {}, decisions)


def _explorer_page(
    request: Request,
    console: Console,
    log: AuditLog,
    found: list[dict[str, Any]],
    values: dict[str, Any],
    errors: dict[str, str],
    decisions: list[str],
    status_code: int = 200,
) -> HTMLResponse:
    latest_first = list(reversed(found))
    return render(
        request,
        "audit/explorer.html",
        status_code,
        log=log,
        records=latest_first[:SHOWN],
        total=len(found),
        shown=min(len(found), SHOWN),
        values=values,
        errors=errors,
        decisions=decisions,
        **explorer_context(console),
    )


@router.get("/audit/verify")
async def verification(request: Request, officer: Officer) -> HTMLResponse:
    """Whether the audit chain, its signatures and checkpoints verify, per partition."""
    console: Console = request.app.state.console
    log = await verified(request).log(console)
    return render(request, "audit/verify.html", log=log, verdict=log.verdict)


@router.get("/audit/report")
async def report(request: Request, officer: Officer) -> Response:
    """The compliance report of ``mash audit report``, as an HTML file."""
    console: Console = request.app.state.console
    log = await verified(request).log(console)
    state = (
        "chain intact"
        if log.verdict.intact
        else "BROKEN: " + "; ".join(map(str, log.verdict.breaks))
    )
    html = compliance_report(
        log.records,
        timings=console.authority.timings,
        title=f"MASH Exchange sharing audit: {console.authority.name}",
        generated_at=console.clock(),
        verification=f"{log.source}: {len(log.records)} records, {state}",
    )
    return _download(html, "mash-compliance-report.html")


@router.get("/audit/subject-access")
async def subject_access_form(request: Request, officer: Officer) -> HTMLResponse:
    """The form for a subject-access report: the person's identifier."""
    console: Console = request.app.state.console
    return render(request, "audit/subject_access.html", errors={}, values={},
                  **explorer_context(console))  # fmt: skip


@router.post("/audit/subject-access")
async def subject_access(request: Request, officer: Officer) -> Response:
    """The subject-access report of ``mash audit report --person``, as an HTML file."""
    console: Console = request.app.state.console
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("scheme", "value", "label")}
    errors: dict[str, str] = {}
    refs = frozenset[bytes]()
    if not values["value"]:
        errors["value"] = "Enter the person's identifier"
    else:
        try:
            key = pseudonym_key(console.keystore.folder)[1]
            refs = person_refs_for(key, [(values["scheme"], values["value"])])
        except ConfigurationError as exc:
            errors["value"] = str(exc)[:1].upper() + str(exc)[1:]
    if errors:
        return render(request, "audit/subject_access.html", 400, errors=errors, values=values,
                      **explorer_context(console))  # fmt: skip
    log = await verified(request).log(console)
    html = subject_access_report(
        log.records,
        person_refs=refs,
        person_label=values["label"] or "the person",
        generated_at=console.clock(),
    )
    return _download(html, "mash-subject-access-report.html")


def _download(html: str, name: str) -> Response:
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
