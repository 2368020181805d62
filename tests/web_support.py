"""A console for the page tests: real users, keystore and pages, its feed filled by hand.

The unit tests put the values the feed would have read from the broker straight
into it (``Feed.values``), so every page is tested without a broker; the browser
tests (tests/integration/test_console_browser.py) run the same console against
a real broker and exchange.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from broker.authority import load_authority
from broker.keystore import Keystore
from broker.settings import MashSettings
from mash.web.app import create_app
from mash.web.console import Console
from mash.web.feed import Feed
from mash.web.users import Role, UserStore

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password
USERS = {
    "duty.manager": (Role.MANAGER, "mash-duty", "Grace Okafor"),
    "duty.worker": (Role.PRACTITIONER, "mash-duty", "Tom Reid"),
    "north.manager": (Role.MANAGER, "area-north", "Priya Shah"),
    "officer": (Role.COMPLIANCE, None, "Sam Ellis"),
}


def make_console(folder: Path, **changes: Any) -> Console:
    """A console over a fresh keystore and users file in ``folder``, its feed not started."""
    settings = MashSettings(keystore=folder / "keys")
    authority = load_authority()
    keystore = Keystore(folder / "keys")
    users = UserStore(folder / "users")
    for name, (role, team, display) in USERS.items():
        users.add(name, PASSWORD, role, team, display)
    feed = Feed(settings, keystore, authority.team_keys())
    options: dict[str, Any] = {"secure_cookies": False, **changes}
    return Console(settings, authority, keystore, users, feed, **options)


def client_for(console: Console) -> TestClient:
    """A test client of the console's app, following no broker."""
    return TestClient(create_app(console, follow_broker=False))


def csrf_token(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form, as a browser does."""
    token = csrf_token(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
