"""Sessions: a random id in a cookie, everything else kept on the server.

The cookie holds only an unguessable session id (256 bits); who is signed in
and the session's CSRF token stay in the server's memory, so signing out or a
restart ends the session for good. Signing in issues a new id and a new CSRF
token (no session fixation). A session ends after ``idle`` without a request
and, whatever happens, ``lifetime`` after it began.

The cookie is ``Secure``, ``HttpOnly`` and ``SameSite=Strict`` and named with
the ``__Host-`` prefix, so a browser sends it only over HTTPS, only to this
host and never with a request another site starts. Only for a console served
on a loopback address over plain HTTP (development and the browser tests) may
``secure`` be switched off, explicitly.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SECURE_COOKIE = "__Host-mash_session"
PLAIN_COOKIE = "mash_session"
IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 10 * 60 * 60


@dataclass
class Session:
    """One browser's session: who is signed in, and the token its forms carry."""

    session_id: str
    csrf_token: str
    started: float
    last_seen: float
    username: str | None = None
    #: A message to show once on the next page (e.g. "You have signed out").
    flash: list[str] = field(default_factory=list)
    #: Cases whose contacts were submitted in this session, so their confirmation can be shown.
    submitted: list[str] = field(default_factory=list)


class SessionStore:
    """Sessions in memory, by id."""

    def __init__(
        self,
        idle: float = IDLE_SECONDS,
        lifetime: float = LIFETIME_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self.clock = clock
        self._sessions: dict[str, Session] = {}

    def start(self) -> Session:
        """A new session, nobody signed in."""
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        self._sessions[session.session_id] = session
        self._forget_expired(now)
        return session

    def find(self, session_id: str | None) -> Session | None:
        """The live session with this id, its idle clock restarted; None if none or expired."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = self.clock()
        if now - session.last_seen > self.idle or now - session.started > self.lifetime:
            self._sessions.pop(session_id, None)
            return None
        session.last_seen = now
        return session

    def sign_in(self, session: Session, username: str) -> Session:
        """The session after ``username`` signed in: a new id and CSRF token; the old id dies."""
        self._sessions.pop(session.session_id, None)
        signed_in = self.start()
        signed_in.username = username
        return signed_in

    def end(self, session: Session) -> Session:
        """Sign out: the session is gone, and a fresh anonymous one takes its place."""
        self._sessions.pop(session.session_id, None)
        return self.start()

    def _forget_expired(self, now: float) -> None:
        expired = [
            key
            for key, s in self._sessions.items()
            if now - s.last_seen > self.idle or now - s.started > self.lifetime
        ]
        for key in expired:
            del self._sessions[key]


def cookie_name(secure: bool) -> str:
    """The session cookie's name: ``__Host-`` prefixed when it is Secure."""
    return SECURE_COOKIE if secure else PLAIN_COOKIE
