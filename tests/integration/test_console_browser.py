"""The web console end to end, in headless Chromium, against a real broker and exchange.

On each broker (embedded and Apache Kafka) one exchange runs in
a thread of its own: every agency's connector, the stream worker, the audit
writer and the demo's scenario contacts (``mash.web.serve.demo_exchange``, as
``mash web --demo`` runs it), with the console served by uvicorn beside it.
Debian's Chromium is driven by Playwright (``executable_path``: Playwright never
downloads a browser here), as MASH staff and a compliance officer would use it:

- a manager signs in, submits a contact through the form, watches the agencies
  answer on the case page without reloading it, reads the family picture and
  records the MASH decision; a compliance officer then finds the decision in
  the audit explorer and sees the chain verified;
- a member of another team asking for that case gets "Page not found";
- a contact form with mistakes shows the GOV.UK error summary.

Each main page is checked with axe-core (the copy shipped in the
axe-playwright-python wheel): no serious or critical violation. Screenshots go
to build/screenshots/<engine>/, printed at the end of each test.
"""

from __future__ import annotations

import asyncio
import copy
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from broker.codec import millis
from broker.engines.process import BrokerProcess, free_port
from broker.settings import MashSettings
from connectors.synthetic.families import generate
from mash.demo_scenarios import _about_allocated_child, _identifiability
from mash.web.commands import console_for
from mash.web.serve import demo_exchange, serve
from mash.web.users import Role, UserStore
from tests.conftest import IN_CI

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password
FAMILIES, SEED = 40, 7
STAFF = {
    "duty.manager": (Role.MANAGER, "mash-duty", "Grace Okafor"),
    "north.worker": (Role.PRACTITIONER, "area-north", "Priya Shah"),
    "officer": (Role.COMPLIANCE, None, "Sam Ellis"),
}
#: How long the exchange is given for agencies to answer and the picture to arrive.
WAIT_MS = 60_000
expect.set_options(timeout=WAIT_MS)


def chromium_path() -> str:
    """Debian's Chromium: skipped without it on a developer's machine, a failure in CI."""
    found = os.environ.get("MASH_CHROMIUM") or shutil.which("chromium")
    if found is None:
        message = "the browser tests need Debian's chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run them, not skip them")
        pytest.skip(message)
    return found


@dataclass
class RunningConsole:
    """A console and exchange running in their own thread, and how to reach them."""

    base_url: str
    engine: str
    shots: Path
    stop: Any
    thread: threading.Thread


def _run(
    settings: MashSettings,
    workspace: Path,
    users: UserStore,
    port: int,
    started: threading.Event,
    holder: dict[str, Any],
) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        holder["loop"], holder["stop"] = asyncio.get_running_loop(), stop
        async with demo_exchange(settings, workspace, families=FAMILIES, seed=SEED) as (
            exchange,
            chosen,
        ):
            duty = next(s for s in chosen if s.team == "mash-duty")
            await exchange.submit(received_yesterday(duty.contact))
            console = console_for(settings, users, insecure_cookies=True)
            ready = asyncio.Event()
            serving = asyncio.create_task(serve(console, "127.0.0.1", port, stop, ready))
            await ready.wait()
            started.set()
            await serving

    try:
        asyncio.run(main())
    except BaseException as exc:  # reported by the fixture, not lost in the thread
        holder["error"] = exc
        started.set()


def received_yesterday(contact: dict[str, Any]) -> dict[str, Any]:
    """A contact received 26 hours ago and still undecided: overdue on the board (Oldham 5.10)."""
    late = copy.deepcopy(contact)
    late.update(
        contact_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        received_at=millis(datetime.now(UTC) - timedelta(hours=26)),
        immediate_risk=False,
        referrer_level_of_need="LEVEL_3",
        concern_categories=["NEGLECT"],
    )
    return late


@pytest.fixture(scope="module", params=["embedded", "kafka"])
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningConsole]:
    """The exchange and its console on one engine, for the module's tests."""
    chromium_path()
    broker: BrokerProcess = request.getfixturevalue(f"{request.param}_broker")
    workspace = tmp_path_factory.mktemp(f"console-{request.param}")
    settings = MashSettings(
        bootstrap_servers=broker.bootstrap,
        topic_prefix=f"console{request.param}.",
        keystore=workspace / "keys",
    )
    users = UserStore(workspace / "users")
    for name, (role, team, display) in STAFF.items():
        users.add(name, PASSWORD, role, team, display)
    port = free_port()
    started, holder = threading.Event(), {}
    thread = threading.Thread(
        target=_run, args=(settings, workspace, users, port, started, holder), daemon=True
    )
    began = datetime.now(UTC)
    thread.start()
    assert started.wait(180), "the exchange and console did not start within 3 minutes"
    if "error" in holder:
        raise holder["error"]
    seconds = (datetime.now(UTC) - began).total_seconds()
    print(f"\n{request.param}: exchange and console ready in {seconds:.1f} s")
    shots = SCREENSHOTS / request.param
    shots.mkdir(parents=True, exist_ok=True)
    yield RunningConsole(f"http://127.0.0.1:{port}", request.param, shots, holder["stop"], thread)
    holder["loop"].call_soon_threadsafe(holder["stop"].set)
    thread.join(90)
    print(f"screenshots: {shots}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    path = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, running: RunningConsole) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the console."""
    context = browser.new_context(
        base_url=running.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


AXE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands."""
    page.evaluate(AXE)
    found: list[dict[str, Any]] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def check(page: Page, shots: Path, name: str) -> None:
    """Screenshot the page and hold it to axe-core."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert serious_violations(page) == [], f"accessibility of {name}"


def sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {STAFF[username][2]}")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def a_family() -> dict[str, Any]:
    """A contact of the synthetic partnership the demo's scenarios did not use.

    Its people are on the agencies' records, so the agencies find them when the
    manager types them into the form.
    """
    partnership = generate(FAMILIES, SEED)
    allocated = [a["child"] for a in partnership.allocations if a.get("child")]
    candidates = sorted(
        (
            c
            for c in partnership.contacts
            if len(c["subjects"]) >= 2
            and c["subjects"][0]["role"] == "CHILD"
            and (c["subjects"][0]["date_of_birth"] or {}).get("precision") == "DAY"
            and not _about_allocated_child(c, allocated)
        ),
        key=_identifiability,
        reverse=True,
    )
    return candidates[6]


def fill_contact(page: Page, family: dict[str, Any]) -> str:
    """Type the family into the contact form, as a MASH worker would; the child's name."""
    child, *others = family["subjects"]
    page.get_by_label("Referrer's name").fill("Hannah Whitlow")
    page.get_by_label("Partner agency").select_option("EDUCATION")
    name = child["names"][0]
    page.locator("#child_given_names").fill(name["given_names"])
    page.locator("#child_family_name").fill(name["family_name"])
    born = child["date_of_birth"]["date"]
    page.locator("#child_dob-day").fill(str(born.day))
    page.locator("#child_dob-month").fill(str(born.month))
    page.locator("#child_dob-year").fill(str(born.year))
    gender = child["gender"] if child["gender"] in ("FEMALE", "MALE", "OTHER") else "NOT_STATED"
    page.locator(f"input[name='child_gender'][value='{gender}']").check()
    address = child["addresses"][0] if child["addresses"] else None
    if address:
        page.locator("#child_address_1").fill(address["lines"][0])
        page.locator("#child_town").fill(address["town"] or "")
        page.locator("#child_postcode").fill(address["postcode"] or "")
    for identifier in child["identifiers"]:
        if identifier["scheme"] == "NHS_NUMBER":
            page.locator("#child_nhs_number").fill(identifier["value"])
    roles = {"PARENT", "CARER", "SIBLING", "OTHER_HOUSEHOLD_MEMBER", "PERSON_OF_CONCERN"}
    for number, person in enumerate([p for p in others if p["role"] in roles][:3], 1):
        page.locator(f"#person{number}_role").select_option(person["role"])
        page.locator(f"#person{number}_given_names").fill(person["names"][0]["given_names"] or "")
        page.locator(f"#person{number}_family_name").fill(person["names"][0]["family_name"] or "")
        page.locator(f"#person{number}_relationship").fill(person["relationship_to_child"] or "")
        born = person["date_of_birth"]
        if born and born["precision"] == "DAY":
            page.locator(f"#person{number}_dob-day").fill(str(born["date"].day))
            page.locator(f"#person{number}_dob-month").fill(str(born["date"].month))
            page.locator(f"#person{number}_dob-year").fill(str(born["date"].year))
    page.locator("#concern_summary").fill(
        "School reports the child has come in hungry and unkempt for two weeks and has "
        "disclosed shouting and a smashed door at home after his father came back."
    )
    page.locator("input[name='concern_categories'][value='DOMESTIC_ABUSE']").check()
    page.locator("input[name='concern_categories'][value='NEGLECT']").check()
    page.locator("input[name='referrer_level_of_need'][value='LEVEL_3']").check()
    page.locator("input[name='immediate_risk'][value='no']").check()
    page.locator("input[name='suspected_crime'][value='no']").check()
    page.locator("input[name='consent_status'][value='GIVEN']").check()
    page.locator("input[name='consent_method'][value='VERBAL']").check()
    today = datetime.now(UTC).date()
    page.locator("#consent_date-day").fill(str(today.day))
    page.locator("#consent_date-month").fill(str(today.month))
    page.locator("#consent_date-year").fill(str(today.year))
    page.locator("input[name='lawful_basis'][value='CONSENT']").check()
    page.locator("input[name='lawful_basis'][value='UK_GDPR_ART_6_1_E_PUBLIC_TASK']").check()
    return f"{name['given_names']} {name['family_name'].upper()}"


def test_a_manager_submits_a_contact_watches_the_answers_and_records_the_decision(
    page: Page, running: RunningConsole
) -> None:
    shots = running.shots
    page.goto("/")
    check(page, shots, "01-sign-in")
    sign_in(page, "duty.manager")

    # The case board: the demo's contacts for the MASH duty team, RAG and clocks.
    expect(page.locator("#case-board tbody tr").first).to_be_visible()
    check(page, shots, "02-case-board")

    page.get_by_role("link", name="Submit a contact").click()
    child = fill_contact(page, a_family())
    check(page, shots, "03-contact-form")
    page.get_by_role("button", name="Submit the contact").click()
    expect(page.get_by_role("heading", name="Contact submitted")).to_be_visible()
    case_id = page.url.split("/contacts/")[1].split("/")[0]
    # Triage routes it while the page is open: the live region offers the case.
    page.locator("#open-case").click()
    assert page.url.endswith(f"/cases/{case_id}")

    # The agencies answer against the clock; the page updates itself.
    answered = page.locator("#agency-answers tbody tr[data-state^='Answered']")
    rows = page.locator("#agency-answers tbody tr")
    expect(rows.first).to_be_visible()
    first_seen = answered.count()
    expect(page.locator("#agency-answers tbody tr[data-state='Awaited']")).to_have_count(0)
    assert answered.count() == rows.count() >= 4
    expect(page.get_by_role("heading", name="Family picture", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=child, exact=True)).to_be_visible()
    print(f"{running.engine}: {first_seen} of {rows.count()} agencies had answered on arrival")
    if first_seen < rows.count():
        assert page.locator("#case-live").get_attribute("data-live-updated"), "updated in place"
    expect(page.locator("#chronology li").first).to_be_visible()
    expect(page.locator("#chronology")).to_contain_text("under rule")
    check(page, shots, "04-family-picture")

    page.get_by_label("Early Help", exact=True).check()
    page.locator("input[name='level_of_need'][value='LEVEL_3']").check()
    page.get_by_label("Rationale").fill(
        "Neglect and domestic abuse at level 3 with consent: Early Help assessment and a "
        "team around the family; school to lead."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The MASH decision has been recorded and audited.")).to_be_visible()
    expect(page.locator("#decision + .govuk-summary-list")).to_contain_text("Early Help")
    check(page, shots, "05-decision-recorded")
    sign_out(page)

    # The compliance officer finds the decision in the audit, and the chain verified.
    sign_in(page, "officer")
    page.get_by_label("Case id").fill(case_id)
    page.locator("input[name='decision'][value='DECISION_RECORDED']").check()
    decision_rows = page.locator("#audit-records tr[data-action='DECISION_RECORDED']")
    for _ in range(30):  # the audit writer chains it within seconds
        page.get_by_role("button", name="Apply filters").click()
        if decision_rows.count():
            break
        page.wait_for_timeout(1000)
    expect(decision_rows).to_have_count(1)
    expect(decision_rows).to_contain_text("management-decision")
    expect(decision_rows).to_contain_text("EARLY_HELP")
    check(page, shots, "06-audit-explorer")
    page.get_by_role("link", name="Chain verification").first.click()
    expect(page.get_by_text("The audit chain is intact")).to_be_visible()
    check(page, shots, "07-chain-verified")
    page.get_by_role("link", name="Audit", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="compliance report (HTML)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "MASH Exchange sharing audit" in report
    sign_out(page)

    # Back on the board later: names from the pictures, the decision, the overdue case first.
    sign_in(page, "duty.manager")
    decided = page.locator(f"#case-board tr[data-case='{case_id}']")
    expect(decided).to_contain_text("Decided")
    expect(decided).to_contain_text(child)
    overdue = page.locator("#case-board tbody tr").first
    expect(overdue).to_have_class(re.compile("mash-row--overdue"))
    expect(overdue).to_contain_text("Overdue by")
    check(page, shots, "10-case-board-later")
    print(f"screenshots: {shots}")


def test_a_member_of_another_team_is_refused_the_case(page: Page, running: RunningConsole) -> None:
    sign_in(page, "duty.manager")
    first = page.locator("#case-board tbody tr").first
    expect(first).to_be_visible()
    case_id = first.get_attribute("data-case")
    assert case_id
    sign_out(page)
    sign_in(page, "north.worker")
    response = page.goto(f"/cases/{case_id}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.goto("/cases")
    expect(page.locator(f"#case-board tr[data-case='{case_id}']")).to_have_count(0)
    check(page, running.shots, "08-other-team-refused")


def test_a_contact_form_with_mistakes_shows_the_error_summary(
    page: Page, running: RunningConsole
) -> None:
    sign_in(page, "duty.manager")
    page.goto("/contacts/new")
    page.locator("#child_given_names").fill("Ava")
    page.locator("#child_dob-day").fill("31")
    page.locator("#child_dob-month").fill("2")
    page.locator("#child_dob-year").fill("2019")
    page.locator("#child_nhs_number").fill("123 456 7890")
    page.get_by_role("button", name="Submit the contact").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the child's last name")
    expect(summary).to_contain_text("The child's date of birth must be a real date")
    expect(summary).to_contain_text("Enter a valid 10-digit NHS number")
    expect(page.locator("#child_family_name-error")).to_contain_text("Enter the child's last name")
    assert page.title().startswith("Error: ")
    expect(page.locator("#child_given_names")).to_have_value("Ava")
    summary.get_by_role("link", name="Enter the child's last name").click()
    expect(page.locator("#child_family_name")).to_be_focused()
    check(page, running.shots, "09-contact-form-errors")
