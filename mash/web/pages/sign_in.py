"""Signing in and out, and the member's own account page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mash.web.auth import signed_in
from mash.web.console import Console
from mash.web.templating import render
from mash.web.users import StaffMember

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form (or straight on, for a member already signed in)."""
    if request.state.member is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "sign_in.html", next=safe_next(next), errors={}, username="")


@router.post("/sign-in")
async def sign_in(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the user name and password; on success start a new session."""
    console: Console = request.app.state.console
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "Enter your user name"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a password
    member = None
    if not errors:
        member = console.users.authenticate(username, password)
        if member is None:
            # One message for both: it must not tell which user names exist.
            errors["username"] = "Enter a correct user name and password"
    if member is None:
        return render(
            request,
            "sign_in.html",
            400,
            next=safe_next(next),
            errors=errors,
            username=username.strip(),
        )
    request.state.session = console.sessions.sign_in(request.state.session, member.username)
    request.state.member = member
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session."""
    console: Console = request.app.state.console
    request.state.session = console.sessions.end(request.state.session)
    request.state.member = None
    request.state.session.flash.append("You have signed out.")
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/account")
async def account(
    request: Request, member: Annotated[StaffMember, Depends(signed_in)]
) -> HTMLResponse:
    """Who is signed in, their role and team, and the sign-out button."""
    return render(request, "account.html")
