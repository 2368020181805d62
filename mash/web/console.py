"""What the console's pages share: settings, the authority, keys, users, sessions and the feed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment

from broker.authority import Authority
from broker.keystore import Keystore
from broker.settings import MashSettings
from connectors.intake import submit_contact
from mash.web.feed import Feed
from mash.web.sessions import SessionStore
from mash.web.templating import environment
from mash.web.users import UserStore


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Console:
    """One running console.

    Attributes:
        secure_cookies: False only for a console on a loopback address over plain
            HTTP (development and the browser tests); the cookie is then not
            ``Secure`` and not ``__Host-`` prefixed.
        publish_contact: how a checked contact is published (intake's own
            :func:`connectors.intake.submit_contact`).
    """

    settings: MashSettings
    authority: Authority
    keystore: Keystore
    users: UserStore
    feed: Feed
    sessions: SessionStore = field(default_factory=SessionStore)
    secure_cookies: bool = True
    clock: Callable[[], datetime] = _now
    publish_contact: Callable[[dict[str, Any], MashSettings, Keystore], Awaitable[Any]] = (
        submit_contact
    )
    templates: Environment = field(default_factory=environment)

    def team_name(self, team_key: str | None) -> str:
        """A team's name from the authority file, or its key."""
        for team in self.authority.teams:
            if team.key == team_key:
                return team.name
        return team_key or "No team"
