"""The console's ASGI app: its routes, static files, sessions, CSRF and error pages.

:func:`create_app` builds a FastAPI app around a :class:`~mash.web.console.Console`.
Every route runs behind :func:`mash.web.csrf.check_csrf` (so no form can be
posted without its session's token) and the session middleware. GOV.UK
Frontend's assets are served from the package at ``/assets``, the console's own
script and styles at ``/static``; nothing is loaded from another site.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from mash.web import assets
from mash.web.auth import (
    Forbidden,
    SignInRequired,
    session_middleware,
    sign_in_redirect,
)
from mash.web.console import Console
from mash.web.csrf import check_csrf
from mash.web.pages import cases, compliance, contacts, live, sign_in
from mash.web.templating import render


def create_app(console: Console, *, follow_broker: bool = True) -> FastAPI:
    """The console's app.

    Args:
        follow_broker: start and stop the console's feed with the app (off for
            tests that fill the feed themselves).

    Raises:
        ConfigurationError: GOV.UK Frontend's assets are not installed.
    """
    frontend = assets.check_installed()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if follow_broker:
            await console.feed.start()
        try:
            yield
        finally:
            if follow_broker:
                await console.feed.stop()

    app = FastAPI(
        title="MASH Exchange",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(check_csrf)],
    )
    app.state.console = console
    app.middleware("http")(session_middleware)
    app.mount("/assets", StaticFiles(directory=frontend), name="assets")
    app.mount("/static", StaticFiles(directory=assets.STATIC, check_dir=True), name="static")
    for area in (sign_in, cases, contacts, compliance, live):
        app.include_router(area.router)

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        member = request.state.member
        if member is None:
            return RedirectResponse("/sign-in", status_code=303)
        return RedirectResponse("/audit" if member.reads_audit else "/cases", status_code=303)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(exc)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "error.html", 403, title="You cannot see this page", text=exc.what)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        titles = {
            403: "You cannot do this",
            404: "Page not found",
            405: "Page not found",
        }
        title = titles.get(exc.status_code, "Sorry, there is a problem with the service")
        text = exc.detail if exc.status_code == 403 else _explanation(exc.status_code)
        return render(request, "error.html", exc.status_code, title=title, text=text)

    return app


def _explanation(status_code: int) -> str:
    if status_code in (404, 405):
        return (
            "If you typed the web address, check it is correct. If you followed a link to a "
            "case, it may belong to another team: only the team a case was sent to can open it."
        )
    return "Try again later."
