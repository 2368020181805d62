"""``mash web`` (the console) and ``mash users`` (its local users).

Neither imports FastAPI until it runs, so the ``mash`` command works without
the ``web`` extra installed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from broker.engines.embedded import EmbeddedBroker
from broker.engines.process import free_port
from broker.errors import ConfigurationError
from broker.settings import EMBEDDED_HOST, MashSettings, read_secret_file
from mash.options import authority_for, bootstrap_option, settings_for

if TYPE_CHECKING:
    from mash.web.console import Console
    from mash.web.users import UserStore

USERS_ENV = "MASH_CONSOLE_USERS"


def default_users_folder() -> Path:
    """Where the console's users file is kept unless ``MASH_CONSOLE_USERS`` says otherwise."""
    return Path.home() / ".local" / "share" / "mash-exchange" / "console"


users_option = click.option(
    "--users",
    "users_folder",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=USERS_ENV,
    default=default_users_folder,
    show_default="~/.local/share/mash-exchange/console",
    help=f"Folder of the console's users file (users.json, 0600). Env: {USERS_ENV}.",
)


@click.group()
def users() -> None:
    """The web console's local users: MASH staff by team and role, and compliance officers."""


@users.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["practitioner", "manager", "compliance"]),
    required=True,
    help="practitioner: submits contacts, reads the team's cases and pictures; manager: "
    "also records the MASH decision; compliance: reads and verifies the audit only.",
)
@click.option(
    "--team", metavar="TEAM", help="The team's key in the authority file, e.g. mash-duty."
)
@click.option(
    "--name", "display_name", default="", help="Full name, as pages and decisions show it."
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read the password from this file (one line, mode 0600) instead of asking.",
)
@click.option("--replace", is_flag=True, help="Replace an existing user's details and password.")
@users_option
def add_user(
    username: str,
    role: str,
    team: str | None,
    display_name: str,
    password_file: Path | None,
    replace: bool,
    users_folder: Path,
) -> None:
    """Add a user who signs in to the console as USERNAME.

    The password is asked for (hidden, twice) unless --password-file is given;
    it is kept only as an scrypt hash.
    """
    from mash.web.users import Role, UserStore

    teams = authority_for(settings_for(None)).team_keys()
    if team is not None and team not in teams:
        raise click.BadParameter(f"{team!r} is not a team: {', '.join(teams)}", param_hint="--team")
    if password_file is not None:
        try:
            password = read_secret_file(password_file)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--password-file") from exc
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    member = UserStore(users_folder).add(
        username, password, Role(role), team, display_name, replace=replace
    )
    where = f" of team {member.team}" if member.team else ""
    click.echo(f"{member.username}: {member.role.value}{where}, in {users_folder}", err=True)


@users.command("list")
@users_option
def list_users(users_folder: Path) -> None:
    """List the console's users: name, role and team; never a password."""
    from mash.web.users import UserStore

    for member in UserStore(users_folder).members():
        click.echo(
            f"{member.username}\t{member.role.value}\t{member.team or '-'}\t{member.display_name}"
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@users_option
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send the session cookie without Secure, for plain HTTP on a loopback address "
    "(development); refused on any other address. Behind HTTPS, leave it off.",
)
@click.option(
    "--demo",
    "demo_workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Start an embedded broker and the whole exchange in this process, as 'mash demo' "
    "does (synthetic partnership, connectors, worker, audit writer and the demo's contacts), "
    "keeping its keys and data in this folder.",
)
@bootstrap_option
def web(
    host: str,
    port: int,
    users_folder: Path,
    insecure_cookies: bool,
    demo_workspace: Path | None,
    bootstrap: str | None,
) -> None:
    """Start the web console for MASH staff and compliance officers.

    Staff sign in to submit contacts, watch the agencies answer, read the family
    picture their team received and record the MASH decision; compliance
    officers explore and verify the audit. It reads the broker's topics with
    the keystore (MASH_KEYSTORE) and serves GOV.UK Frontend's assets itself.
    Add users first with 'mash users add'.
    """
    if insecure_cookies and not _is_loopback(host):
        raise click.BadParameter(
            "only on a loopback address, e.g. 127.0.0.1", param_hint="--insecure-cookies"
        )
    from mash.web.users import UserStore

    store = UserStore(users_folder)
    if not store.members():
        raise ConfigurationError(
            f"no users in {store.path}: add one with 'mash users add NAME --role ... --team ...'"
        )
    try:
        if demo_workspace is None:
            asyncio.run(_console(settings_for(bootstrap), store, host, port, insecure_cookies))
        else:
            demo_workspace.mkdir(parents=True, exist_ok=True)
            with EmbeddedBroker(port=free_port(EMBEDDED_HOST)) as broker:
                click.echo(f"embedded broker at {broker.bootstrap}", err=True)
                settings = settings_for(broker.bootstrap).model_copy(
                    update={"keystore": demo_workspace / "keys"}
                )
                asyncio.run(_demo(settings, demo_workspace, store, host, port, insecure_cookies))
    except KeyboardInterrupt:
        click.echo("console stopped", err=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def console_for(settings: MashSettings, store: UserStore, insecure_cookies: bool) -> Console:
    """A :class:`~mash.web.console.Console` for the settings' broker and keystore."""
    from mash.exchange_commands import keystore_for
    from mash.web.console import Console
    from mash.web.feed import Feed

    authority = authority_for(settings)
    keystore = keystore_for(settings)
    return Console(
        settings=settings,
        authority=authority,
        keystore=keystore,
        users=store,
        feed=Feed(settings, keystore, authority.team_keys()),
        secure_cookies=not insecure_cookies,
    )


async def _console(
    settings: MashSettings, store: UserStore, host: str, port: int, insecure_cookies: bool
) -> None:
    from mash.web.serve import serve

    console = console_for(settings, store, insecure_cookies)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    started = asyncio.Event()
    serving = asyncio.create_task(serve(console, host, port, stop, started))
    await started.wait()
    click.echo(f"MASH Exchange console at http://{host}:{port}/ ; Ctrl-C to stop", err=True)
    try:
        await serving
    finally:
        stop.set()
    click.echo("console stopped", err=True)


async def _demo(
    settings: MashSettings,
    workspace: Path,
    store: UserStore,
    host: str,
    port: int,
    insecure_cookies: bool,
) -> None:
    from mash.web.serve import demo_exchange

    async with demo_exchange(settings, workspace) as (_, chosen):
        click.echo(f"exchange running; {len(chosen)} demo contacts submitted", err=True)
        await _console(settings, store, host, port, insecure_cookies)
