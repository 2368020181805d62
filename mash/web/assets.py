"""GOV.UK Frontend's compiled assets, fetched from npm's ``govuk-frontend`` and served locally.

The console serves the Design System's CSS, JavaScript, fonts and images itself
(no CDN): ``python -m mash.web.assets`` (run by ``scripts/lib.sh``) fetches the
pinned package with ``npm pack``, checks it against the registry's published
integrity, and unpacks ``dist/govuk`` into :data:`ASSETS`, which the app mounts
at ``/assets`` (the path the compiled CSS names its fonts and images under).
The version is the one the installed ``govuk-frontend-jinja`` macros are tested
against: 4.1.x ports GOV.UK Frontend 6.3.0.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from broker.errors import ConfigurationError

GOVUK_FRONTEND_VERSION = "6.3.0"
#: ``npm view govuk-frontend@6.3.0 dist.integrity``: the tarball's SHA-512.
GOVUK_FRONTEND_INTEGRITY = "sha512-" + (
    "cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA=="
)
STATIC = Path(__file__).parent / "static"
ASSETS = STATIC / "govuk-frontend"
VERSION_FILE = ASSETS / "VERSION"
#: What the pages load; each must be present for the console to start.
REQUIRED = ("govuk-frontend.min.css", "govuk-frontend.min.js", "fonts", "images", "manifest.json")
DIST = "package/dist/govuk/"


def cache_folder() -> Path:
    """Where fetched tarballs are kept: ``MASH_KAFKA_CACHE``'s folder, shared with Kafka's jars."""
    configured = os.environ.get("MASH_KAFKA_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "mash-exchange"


def installed_version(folder: Path = ASSETS) -> str | None:
    """The GOV.UK Frontend version unpacked in ``folder``, or None when it is incomplete."""
    version_file = folder / "VERSION"
    if not version_file.exists() or not all((folder / name).exists() for name in REQUIRED):
        return None
    return version_file.read_text(encoding="ascii").strip()


def check_installed(folder: Path = ASSETS) -> Path:
    """The assets folder, when it holds the pinned version.

    Raises:
        ConfigurationError: the assets are missing or of another version.
    """
    found = installed_version(folder)
    if found != GOVUK_FRONTEND_VERSION:
        state = "are missing" if found is None else f"are version {found}"
        raise ConfigurationError(
            f"the GOV.UK Frontend assets in {folder} {state}, not {GOVUK_FRONTEND_VERSION}: "
            "run 'python -m mash.web.assets' (needs npm)"
        )
    return folder


def integrity_of(tarball: Path) -> str:
    """The npm integrity string (``sha512-<base64>``) of a tarball."""
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def fetch_tarball(cache: Path) -> Path:
    """The pinned ``govuk-frontend`` tarball: from the cache, else through ``npm pack``.

    Raises:
        ConfigurationError: npm is missing or failed, or the tarball's integrity is wrong.
    """
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"govuk-frontend-{GOVUK_FRONTEND_VERSION}.tgz"
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise ConfigurationError("npm is needed to fetch GOV.UK Frontend: install it first")
        with tempfile.TemporaryDirectory() as scratch:
            done = subprocess.run(  # noqa: S603 - a fixed command, the version pinned here
                [npm, "pack", f"govuk-frontend@{GOVUK_FRONTEND_VERSION}", "--silent"],
                cwd=scratch,
                capture_output=True,
                text=True,
                check=False,
            )
            packed = Path(scratch) / tarball.name
            if done.returncode != 0 or not packed.exists():
                raise ConfigurationError(f"npm pack govuk-frontend failed: {done.stderr.strip()}")
            shutil.move(packed, tarball)
    if integrity_of(tarball) != GOVUK_FRONTEND_INTEGRITY:
        tarball.unlink()
        raise ConfigurationError(
            f"{tarball.name} does not match the pinned integrity: removed, nothing unpacked"
        )
    return tarball


def unpack(tarball: Path, folder: Path = ASSETS) -> None:
    """Unpack the compiled CSS, JavaScript and ``assets/`` of ``dist/govuk`` into ``folder``.

    ``assets/fonts`` and ``assets/images`` land at the top of ``folder``, which the
    app serves as ``/assets``: the compiled CSS refers to ``/assets/fonts/...``.
    """
    wanted = {"govuk-frontend.min.css", "govuk-frontend.min.js"}
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith(DIST):
                continue
            inside = member.name.removeprefix(DIST)
            if inside.startswith("assets/"):
                inside = inside.removeprefix("assets/")
            elif inside not in wanted:
                continue
            target = staging / inside
            if staging.resolve() not in target.resolve().parents:
                raise ConfigurationError(f"{member.name} would unpack outside {folder}")
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())
    (staging / "VERSION").write_text(GOVUK_FRONTEND_VERSION + "\n", encoding="ascii")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def ensure_assets(folder: Path = ASSETS, cache: Path | None = None) -> bool:
    """Fetch and unpack the pinned assets unless ``folder`` has them; whether it fetched."""
    if installed_version(folder) == GOVUK_FRONTEND_VERSION:
        return False
    unpack(fetch_tarball(cache or cache_folder()), folder)
    return True


def main() -> None:
    """``python -m mash.web.assets``: make sure the pinned assets are in place."""
    try:
        fetched = ensure_assets()
    except ConfigurationError as exc:
        sys.exit(f"mash: error: {exc}")
    state = "fetched into" if fetched else "already in"
    print(f"GOV.UK Frontend {GOVUK_FRONTEND_VERSION} {state} {ASSETS}")


if __name__ == "__main__":
    main()
