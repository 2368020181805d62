"""Who is asking: the session middleware, and the role checks routes depend on.

:func:`session_middleware` finds the request's session from its cookie (or
starts one), looks up the signed-in member, and after the response sets the
cookie when the session id changed. It also sets the security headers of every
response: a Content Security Policy with a per-request nonce for the page
template's one inline script, no caching of pages that carry personal data, and
no framing.

The dependencies :func:`team_member`, :func:`decision_maker` and
:func:`compliance_officer` give a route its member or refuse: a visitor who is
not signed in is sent to the sign-in page; a member without the role gets 403.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from mash.web.console import Console
from mash.web.sessions import cookie_name
from mash.web.users import StaffMember


class SignInRequired(Exception):
    """The route needs a signed-in member; the handler redirects to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """The signed-in member may not do this."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def sign_in_redirect(exc: SignInRequired) -> RedirectResponse:
    """To the sign-in page, coming back to where the visitor was going."""
    return RedirectResponse(f"/sign-in?next={quote(exc.next_path, safe='/')}", status_code=303)


async def session_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Attach the session and member to the request; set the cookie and security headers."""
    console: Console = request.app.state.console
    name = cookie_name(console.secure_cookies)
    arrived_with = request.cookies.get(name)
    session = console.sessions.find(arrived_with) or console.sessions.start()
    request.state.session = session
    request.state.member = console.users.find(session.username) if session.username else None
    request.state.csp_nonce = secrets.token_urlsafe(16)
    response = await call_next(request)
    current = request.state.session  # sign-in and sign-out replace it
    if current.session_id != arrived_with:
        response.set_cookie(
            name,
            current.session_id,
            path="/",
            secure=console.secure_cookies,
            httponly=True,
            samesite="strict",
        )
    _security_headers(response, request.state.csp_nonce)
    return response


def _security_headers(response: Response, nonce: str) -> None:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")


def signed_in(request: Request) -> StaffMember:
    """The signed-in member.

    Raises:
        SignInRequired: nobody is signed in.
    """
    member: StaffMember | None = request.state.member
    if member is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    return member


def team_member(request: Request) -> StaffMember:
    """A member of one of the authority's teams (practitioner or manager).

    Raises:
        SignInRequired: nobody is signed in.
        Forbidden: the member works no team's cases.
    """
    member = signed_in(request)
    if not member.works_cases:
        raise Forbidden("Only members of a team can see its cases and submit contacts.")
    return member


def decision_maker(request: Request) -> StaffMember:
    """A manager of a team, who records the MASH decision (Oldham 5.10).

    Raises:
        SignInRequired: nobody is signed in.
        Forbidden: the member is not a manager of a team.
    """
    member = signed_in(request)
    if not member.records_decisions:
        raise Forbidden("Only a team manager can record the MASH decision.")
    return member


def compliance_officer(request: Request) -> StaffMember:
    """A compliance officer, who reads the sharing audit.

    Raises:
        SignInRequired: nobody is signed in.
        Forbidden: the member is not a compliance officer.
    """
    member = signed_in(request)
    if not member.reads_audit:
        raise Forbidden("Only compliance officers can read the sharing audit.")
    return member
