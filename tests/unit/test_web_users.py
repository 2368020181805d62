"""The console's users and sessions: scrypt hashes, roles per team, sessions that rotate."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from broker.errors import ConfigurationError
from mash.cli import mash
from mash.web.sessions import SessionStore, cookie_name
from mash.web.users import Role, UserStore, hash_password, password_matches

PASSWORD = "correct horse battery"  # noqa: S105 - a test user's password


def test_a_password_is_kept_only_as_a_salted_scrypt_hash(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.add("duty.manager", PASSWORD, Role.MANAGER, "mash-duty", "Grace Okafor")
    text = store.path.read_text()
    assert PASSWORD not in text
    assert '"password": "scrypt$32768$8$1$' in text
    assert hash_password(PASSWORD) != hash_password(PASSWORD), "each hash has its own salt"


def test_the_users_file_is_private_to_its_owner(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "console")
    store.add("officer", PASSWORD, Role.COMPLIANCE, None, "Sam Ellis")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    store.path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        store.find("officer")


def test_sign_in_needs_the_right_password_and_says_nothing_about_unknown_users(
    tmp_path: Path,
) -> None:
    store = UserStore(tmp_path)
    store.add("duty.worker", PASSWORD, Role.PRACTITIONER, "mash-duty", "Tom Reid")
    member = store.authenticate("Duty.Worker ", PASSWORD)
    assert member is not None
    assert (member.team, member.role) == ("mash-duty", Role.PRACTITIONER)
    assert store.authenticate("duty.worker", PASSWORD + "x") is None
    assert store.authenticate("nobody", PASSWORD) is None


def test_a_tampered_hash_never_matches() -> None:
    stored = hash_password(PASSWORD)
    assert password_matches(PASSWORD, stored)
    assert not password_matches(PASSWORD, stored[:-4] + "AAA=")
    assert not password_matches(PASSWORD, "plain$" + PASSWORD)


@pytest.mark.parametrize(
    ("role", "team", "message"),
    [
        (Role.COMPLIANCE, "mash-duty", "belongs to no team"),
        (Role.PRACTITIONER, None, "belongs to a team"),
    ],
)
def test_teams_go_with_roles(tmp_path: Path, role: Role, team: str | None, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        UserStore(tmp_path).add("someone", PASSWORD, role, team, "")


def test_short_passwords_and_odd_names_are_refused(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    with pytest.raises(ConfigurationError, match="at least 12"):
        store.add("someone", "short", Role.COMPLIANCE, None, "")
    with pytest.raises(ConfigurationError, match="user name"):
        store.add("Some One", PASSWORD, Role.COMPLIANCE, None, "")


def test_only_managers_record_decisions_and_only_compliance_reads_the_audit(
    tmp_path: Path,
) -> None:
    store = UserStore(tmp_path)
    manager = store.add("manager", PASSWORD, Role.MANAGER, "mash-duty", "")
    worker = store.add("worker", PASSWORD, Role.PRACTITIONER, "mash-duty", "")
    officer = store.add("officer", PASSWORD, Role.COMPLIANCE, None, "")
    assert (manager.records_decisions, worker.records_decisions) == (True, False)
    assert (manager.works_cases, worker.works_cases, officer.works_cases) == (True, True, False)
    assert (officer.reads_audit, manager.reads_audit) == (True, False)


def test_mash_users_add_reads_a_password_file_and_checks_the_team(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    folder = tmp_path / "console"
    runner = CliRunner()
    added = runner.invoke(
        mash,
        ["users", "add", "duty.manager", "--role", "manager", "--team", "mash-duty",
         "--name", "Grace Okafor", "--password-file", str(secret), "--users", str(folder)],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert UserStore(folder).authenticate("duty.manager", PASSWORD) is not None
    wrong = runner.invoke(
        mash,
        ["users", "add", "x.y", "--role", "manager", "--team", "atlantis",
         "--password-file", str(secret), "--users", str(folder)],
    )  # fmt: skip
    assert wrong.exit_code != 0
    assert "not a team" in wrong.output
    listed = runner.invoke(mash, ["users", "list", "--users", str(folder)])
    assert "duty.manager\tmanager\tmash-duty\tGrace Okafor" in listed.output
    assert "scrypt" not in listed.output


def test_mash_users_add_asks_for_the_password_twice_hidden(tmp_path: Path) -> None:
    folder = tmp_path / "console"
    added = CliRunner().invoke(
        mash,
        ["users", "add", "officer", "--role", "compliance", "--users", str(folder)],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    assert UserStore(folder).authenticate("officer", PASSWORD) is not None


def test_signing_in_issues_a_new_session_id_and_csrf_token() -> None:
    sessions = SessionStore()
    anonymous = sessions.start()
    signed_in = sessions.sign_in(anonymous, "duty.manager")
    assert signed_in.session_id != anonymous.session_id
    assert signed_in.csrf_token != anonymous.csrf_token
    assert sessions.find(anonymous.session_id) is None, "the old id dies (no fixation)"
    assert sessions.find(signed_in.session_id) is signed_in
    fresh = sessions.end(signed_in)
    assert sessions.find(signed_in.session_id) is None
    assert fresh.username is None


def test_sessions_end_when_idle_and_after_their_lifetime() -> None:
    now = [0.0]
    sessions = SessionStore(idle=60, lifetime=300, clock=lambda: now[0])
    session = sessions.sign_in(sessions.start(), "m")
    now[0] = 59
    assert sessions.find(session.session_id) is session
    now[0] = 120
    assert sessions.find(session.session_id) is None
    busy = sessions.start()
    for moment in range(0, 351, 50):
        now[0] = 120 + moment
        found = sessions.find(busy.session_id)
    assert found is None, "a session busy all along still ends after its lifetime"


def test_a_secure_cookie_is_host_prefixed() -> None:
    assert cookie_name(True) == "__Host-mash_session"
    assert cookie_name(False) == "mash_session"
