# Shared by scripts/demo and scripts/test: a project virtualenv with locked versions.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MASH_VENV:-$ROOT/.venv}"

say() { printf '==> %s\n' "$*" >&2; }

# ensure_venv EXTRAS: create .venv if needed and install the project with EXTRAS,
# pinned by requirements/constraints.txt.
ensure_venv() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    python3 -m venv "$VENV"
  fi
  say "installing mash-exchange[$extras] (locked versions)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --constraint "$ROOT/requirements/constraints.txt" --editable "$ROOT[$extras]"
}

# ensure_java_and_maven: Apache Kafka's tests need both; install them where we can.
ensure_java_and_maven() {
  if command -v java >/dev/null && command -v mvn >/dev/null; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Java and Maven with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      default-jdk-headless maven >/dev/null
  fi
  command -v java >/dev/null && command -v mvn >/dev/null
}

# apt_install PACKAGE...: install Debian packages when root (a fresh CI machine).
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  say "installing $* with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ensure_frontend: GOV.UK Frontend's compiled assets for the web console, fetched
# with npm (pinned and integrity-checked by mash/web/assets.py) into the package.
ensure_frontend() {
  command -v npm >/dev/null || apt_install npm || true
  "$VENV/bin/python" -m mash.web.assets
}

# chromium_path: Debian's Chromium for the browser tests, installed where we can;
# Playwright never downloads a browser of its own.
chromium_path() {
  command -v chromium >/dev/null || apt_install chromium || true
  command -v chromium
}
