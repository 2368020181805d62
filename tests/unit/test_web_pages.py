"""The console's pages in process: sign-in, CSRF, roles, team isolation, the board, the forms.

The feed is filled by hand with what the broker would carry (audit records and
sealed pictures, sealed with the teams' real keys), so these tests need no
broker; tests/integration/test_console_browser.py runs the same pages against
a real one.
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient

from broker.codec import AvroCodec
from broker.keystore import Keystore
from broker.sealing import seal
from mash.web.console import Console
from mash.web.pages.live import starting_version
from tests.examples import FAMILY_PICTURE
from tests.web_support import PASSWORD, client_for, csrf_token, make_console, sign_in

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


class RecordingKeystore(Keystore):
    """The keystore, remembering whose team keys were asked for."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.teams_opened: list[str] = []

    def team_key_for(self, team: str, key_id: str) -> X25519PrivateKey:
        self.teams_opened.append(team)
        return super().team_key_for(team, key_id)


@pytest.fixture
def console(tmp_path: Path) -> Console:
    made = make_console(tmp_path, clock=lambda: NOW)
    made.keystore = RecordingKeystore(made.keystore.folder)
    return made


@pytest.fixture
def client(console: Console) -> TestClient:
    return client_for(console)


def audit_record(case_id: str, action: str, at: datetime, **fields: Any) -> dict[str, Any]:
    """An audit record as the feed keeps it, with the fields the pages read."""
    return {
        "record_id": uuid.uuid4(),
        "case_id": uuid.UUID(case_id),
        "action": action,
        "recorded_at": at,
        "actor": {"agent": "agent.triage", "agency": None},
        "source_agency": None,
        "categories": [],
        "rule_id": None,
        "rule_version": None,
        "reason": None,
        "recipient": None,
        "response_id": None,
        **fields,
    }


def contact_received(case_id: str, team: str, rag: str, at: datetime) -> dict[str, Any]:
    return audit_record(
        case_id,
        "CONTACT_RECEIVED",
        at,
        reason=f"rag-{rag.lower()}: {rag}; routing: {team}",
        rule_id=f"rag-{rag.lower()}",
        recipient={"team_key": team, "agency": None},
    )


def seal_for(console: Console, team: str, picture: dict[str, Any]) -> dict[str, Any]:
    """The picture sealed for a team as the routing agent seals it."""
    key_id, public = console.keystore.team_public_key(team)
    return seal(picture, team_key=team, recipient=public, key_id=key_id, codec=AvroCodec(),
                now=NOW)  # fmt: skip


def test_every_page_needs_sign_in(client: TestClient) -> None:
    for path in ("/cases", "/contacts/new", "/audit", "/account", f"/cases/{uuid.uuid4()}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in?next=")


def test_a_wrong_password_shows_the_error_summary_and_names_no_user(client: TestClient) -> None:
    token = csrf_token(client.get("/sign-in").text)
    wrong = client.post(
        "/sign-in", data={"username": "duty.manager", "password": "nope", "csrf_token": token}
    )
    unknown = client.post(
        "/sign-in", data={"username": "nobody", "password": PASSWORD, "csrf_token": token}
    )
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "govuk-error-summary" in response.text
        assert 'href="#username"' in response.text
        assert "Enter a correct user name and password" in response.text
        assert "<title>Error: " in response.text


def test_a_post_without_the_sessions_csrf_token_is_refused(console: Console) -> None:
    client = client_for(console)
    sign_in(client, "duty.manager")
    form = {"outcome": "EARLY_HELP", "level_of_need": "LEVEL_2", "rationale": "x"}
    case = f"/cases/{uuid.uuid4()}/decision"
    assert client.post(case, data=form).status_code == 403
    other = client_for(console)
    forged = csrf_token(other.get("/sign-in").text)
    assert client.post(case, data={**form, "csrf_token": forged}).status_code == 403
    assert client.post("/sign-out", data={}).status_code == 403


def test_the_session_cookie_is_secure_httponly_and_strict(tmp_path: Path) -> None:
    secure = client_for(make_console(tmp_path, secure_cookies=True))
    secure.base_url = "https://testserver"  # type: ignore[assignment]
    cookie = secure.get("/sign-in").headers["set-cookie"]
    assert cookie.startswith("__Host-mash_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), flag


def test_pages_carry_a_csp_whose_nonce_is_the_inline_scripts(client: TestClient) -> None:
    response = client.get("/sign-in")
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'<script nonce="{nonce[1]}">' in response.text
    assert "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert "https://" not in response.text.split("<body")[0], "nothing from another site"


def test_signing_in_goes_back_where_the_member_was_going_but_never_off_site(
    client: TestClient,
) -> None:
    token = csrf_token(client.get("/sign-in?next=/contacts/new").text)
    for target, expected in (("/contacts/new", "/contacts/new"), ("//evil.example/", "/")):
        client.cookies.clear()
        token = csrf_token(client.get("/sign-in").text)
        response = client.post(
            "/sign-in",
            data={
                "username": "duty.worker",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_roles_keep_staff_and_compliance_to_their_own_pages(client: TestClient) -> None:
    sign_in(client, "officer")
    assert client.get("/cases").status_code == 403
    assert client.get("/contacts/new").status_code == 403
    client.cookies.clear()
    sign_in(client, "duty.worker")
    refused = client.get("/audit")
    assert refused.status_code == 403
    assert "Only compliance officers" in refused.text


def test_a_team_member_cannot_open_another_teams_case_and_its_key_is_never_used(
    console: Console, client: TestClient
) -> None:
    picture = copy.deepcopy(FAMILY_PICTURE)
    case_id = str(picture["case_id"])
    console.feed.values.audit.append(contact_received(case_id, "area-north", "AMBER", NOW))
    console.feed.values.sealed["area-north"].append(seal_for(console, "area-north", picture))
    keystore = console.keystore
    assert isinstance(keystore, RecordingKeystore)

    sign_in(client, "duty.manager")
    assert client.get(f"/cases/{case_id}").status_code == 404
    assert client.get(f"/cases/{case_id}/live").status_code == 404
    assert case_id not in client.get("/cases").text
    assert "area-north" not in keystore.teams_opened, "never decrypted with another team's key"

    client.cookies.clear()
    sign_in(client, "north.manager")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "Lily-Rose CALDER" in page.text
    assert set(keystore.teams_opened) == {"area-north"}


def test_a_picture_sealed_for_another_team_on_a_teams_topic_is_not_opened(
    console: Console, client: TestClient
) -> None:
    """Even a picture misplaced on the team's topic opens only with its own team's key."""
    picture = copy.deepcopy(FAMILY_PICTURE)
    case_id = str(picture["case_id"])
    console.feed.values.audit.append(contact_received(case_id, "mash-duty", "AMBER", NOW))
    console.feed.values.sealed["mash-duty"].append(seal_for(console, "area-north", picture))
    sign_in(client, "duty.manager")
    with pytest.raises(Exception, match="sealed for area-north"):
        client.get(f"/cases/{case_id}")


def test_the_case_board_shows_rag_answers_and_the_clocks_overdue_first(
    console: Console, client: TestClient
) -> None:
    late, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    values = console.feed.values
    values.audit += [
        contact_received(fresh, "mash-duty", "GREEN", NOW - timedelta(hours=1)),
        contact_received(late, "mash-duty", "RED", NOW - timedelta(hours=30)),
        audit_record(late, "REQUEST_ISSUED", NOW - timedelta(hours=30), source_agency="POLICE"),
        audit_record(late, "REQUEST_ISSUED", NOW - timedelta(hours=30), source_agency="HEALTH"),
        audit_record(late, "RESPONSE_RECEIVED", NOW - timedelta(hours=29), source_agency="POLICE"),
    ]
    sign_in(client, "duty.worker")
    page = client.get("/cases").text
    assert page.index(late[:8]) < page.index(fresh[:8]), "the overdue case comes first"
    row = page[page.index(f'data-case="{late}"') :].split("</tr>")[0]
    assert (
        "mash-row--overdue" in page[page.rindex("<tr", 0, page.index(f'data-case="{late}"')) :][:80]
    )
    assert "govuk-tag--red" in row
    assert "1 of 2" in row
    assert "Health" in row
    assert "Overdue by 6h 00m" in row
    fresh_row = page[page.index(f'data-case="{fresh}"') :].split("</tr>")[0]
    assert "23h 00m left" in fresh_row
    assert client.get("/cases/board").text.count("<tr") == 3


def test_the_case_page_shows_every_finding_with_its_agency_and_rule(
    console: Console, client: TestClient
) -> None:
    picture = copy.deepcopy(FAMILY_PICTURE)
    case_id = str(picture["case_id"])
    health = next(e for e in picture["chronology"] if e["agency"] == "HEALTH")
    console.feed.values.audit += [
        contact_received(case_id, "mash-duty", "AMBER", NOW - timedelta(hours=2)),
        audit_record(
            case_id,
            "SHARED",
            NOW,
            source_agency="HEALTH",
            categories=[health["finding"]["category"]],
            response_id=health["response_id"],
            rule_id="consent-given",
            rule_version="3",
            reason="shared with consent",
        ),
    ]
    console.feed.values.sealed["mash-duty"].append(seal_for(console, "mash-duty", picture))
    sign_in(client, "duty.manager")
    page = client.get(f"/cases/{case_id}").text
    assert "Shared by Health under rule <code>consent-given</code> v3" in page
    for decision in picture["redacted_or_withheld"]:
        assert f"<code>{decision['rule_id']}</code>" in page, "nothing missing without saying so"
    assert "Other children in the household" in page
    assert "Record the decision" in page


def test_a_practitioner_sees_no_decision_form_and_cannot_post_one(
    console: Console, client: TestClient
) -> None:
    case_id = str(uuid.uuid4())
    console.feed.values.audit.append(contact_received(case_id, "mash-duty", "RED", NOW))
    sign_in(client, "duty.worker")
    page = client.get(f"/cases/{case_id}")
    assert "Record the decision" not in page.text
    posted = client.post(
        f"/cases/{case_id}/decision",
        data={
            "csrf_token": csrf_token(page.text),
            "outcome": "EARLY_HELP",
            "level_of_need": "LEVEL_2",
            "rationale": "r",
        },
    )
    assert posted.status_code == 403


def test_a_decision_with_nothing_chosen_shows_each_problem(
    console: Console, client: TestClient
) -> None:
    case_id = str(uuid.uuid4())
    console.feed.values.audit.append(contact_received(case_id, "mash-duty", "RED", NOW))
    sign_in(client, "duty.manager")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    response = client.post(f"/cases/{case_id}/decision", data={"csrf_token": token})
    assert response.status_code == 400
    for message in ("Select how the case will be progressed", "Select the level of need",
                    "Enter the rationale for the decision"):  # fmt: skip
        assert response.text.count(message) == 2, "in the summary and at the field"


def test_an_empty_contact_form_lists_every_problem_linked_to_its_field(
    client: TestClient,
) -> None:
    sign_in(client, "duty.worker")
    token = csrf_token(client.get("/contacts/new").text)
    response = client.post("/contacts/new", data={"csrf_token": token})
    assert response.status_code == 400
    summary = response.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    for anchor in ("#referrer_name", "#child_given_names", "#child_dob-day",
                   "#concern_summary", "#concern_categories", "#referrer_level_of_need",
                   "#consent_status", "#lawful_basis"):  # fmt: skip
        assert f'href="{anchor}"' in summary, anchor
    assert 'id="child_given_names-error"' in response.text


def test_a_valid_contact_is_published_as_intake_and_confirmed(tmp_path: Path) -> None:
    published: list[dict[str, Any]] = []

    async def publish(contact: dict[str, Any], *_: object) -> None:
        published.append(contact)

    client = client_for(make_console(tmp_path, clock=lambda: NOW, publish_contact=publish))
    sign_in(client, "duty.worker")
    token = csrf_token(client.get("/contacts/new").text)
    response = client.post(
        "/contacts/new",
        data={**VALID_CONTACT, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    (contact,) = published
    assert response.headers["location"] == f"/contacts/{contact['case_id']}/submitted"
    assert [s["role"] for s in contact["subjects"]] == ["CHILD", "PARENT"]
    assert contact["consent"]["status"] == "GIVEN"
    confirmation = client.get(response.headers["location"])
    assert "Contact submitted" in confirmation.text
    assert str(contact["case_id"])[:8] in confirmation.text
    stranger = client_for(make_console(tmp_path / "other"))
    sign_in(stranger, "duty.worker")
    assert stranger.get(response.headers["location"]).status_code == 404


VALID_CONTACT = {
    "referrer_type": "PROFESSIONAL",
    "referrer_name": "Hannah Whitlow",
    "referrer_agency": "EDUCATION",
    "channel": "TELEPHONE",
    "child_given_names": "Lily-Rose",
    "child_family_name": "Calder",
    "child_dob-day": "14",
    "child_dob-month": "5",
    "child_dob-year": "2017",
    "child_gender": "FEMALE",
    "child_postcode": "WN1 9ZZ",
    "child_address_1": "14 Larkfield Close",
    "person1_role": "PARENT",
    "person1_given_names": "Danielle",
    "person1_family_name": "Calder",
    "person1_relationship": "mother",
    "concern_summary": "Bruising to the upper arm; she says a man grabbed her.",
    "concern_categories": ["PHYSICAL_ABUSE", "DOMESTIC_ABUSE"],
    "referrer_level_of_need": "LEVEL_3",
    "immediate_risk": "no",
    "suspected_crime": "no",
    "consent_status": "GIVEN",
    "consent_method": "VERBAL",
    "consent_date-day": "3",
    "consent_date-month": "3",
    "consent_date-year": "2026",
    "lawful_basis": ["CONSENT", "UK_GDPR_ART_6_1_E_PUBLIC_TASK"],
}


def test_a_page_carries_its_feed_version_and_the_event_stream_catches_up_from_it(
    console: Console, client: TestClient
) -> None:
    """What arrives between a page's rendering and its event stream opening is not missed."""
    sign_in(client, "duty.manager")
    console.feed.version = 4
    page = client.get("/cases")
    assert '<meta name="mash-feed-version" content="4">' in page.text
    console.feed.version = 5  # the routing record arrives before the browser subscribes
    with client.stream("GET", "/events?since=4") as stream:
        lines = stream.iter_lines()
        assert next(lines) == "retry: 2000"
        assert next(lines) == ""
        assert [next(lines), next(lines), next(lines)] == ["id: 5", "event: changed", "data: 5"]


@pytest.mark.parametrize(
    ("given", "current", "start"),
    [(None, 7, 7), ("3", 7, 3), ("7", 7, 7), ("9", 7, -1), ("x", 7, 7), ("-2", 7, 7)],
)
def test_the_event_stream_starts_from_the_pages_version_or_now(
    given: str | None, current: int, start: int
) -> None:
    assert starting_version(given, current) == start
