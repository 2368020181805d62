"""Cross-site request forgery protection: every form posts its session's token.

Every page with a form renders the session's token in a hidden ``csrf_token``
field (:data:`FIELD`); :func:`check_csrf` runs before every route of the app and
refuses any POST (or other unsafe method) whose token is missing or is not the
session's, compared in constant time. The ``SameSite=Strict`` cookie already
keeps other sites' requests unauthenticated; the token also covers a browser
that ignores SameSite.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, status

FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def tokens_match(expected: str, given: str | None) -> bool:
    """Whether the posted token is the session's, in constant time."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request without the session's CSRF token (403).

    Raises:
        HTTPException: 403 when the token is missing or wrong.
    """
    if request.method in SAFE_METHODS:
        return
    session = getattr(request.state, "session", None)
    form = await request.form()
    given = form.get(FIELD)
    if session is None or not tokens_match(
        session.csrf_token, given if isinstance(given, str) else None
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "The form has expired: go back and try again."
        )
