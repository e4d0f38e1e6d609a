#!/usr/bin/env bash
# The test command of the project: Rust tests (SQLite and PostgreSQL) and the real-browser test.
#
#   ./scripts/test.sh
#
# Environment:
#   CNRM_TEST_POSTGRES_URL  PostgreSQL for the Rust tests (default postgres://postgres@127.0.0.1:5432/test)
#   CNRM_SKIP_BROWSER=1     skip the browser test (loudly); refused in CI (CI=true)
#   CNRM_SCREENSHOT_DIR     where the browser test writes screenshots (default target/browser-screenshots)
#   CNRM_BIN                cnrm binary for the browser test (default: the one `cargo build -p cnrm` produces)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CHROMIUM=/usr/bin/chromium
BROWSER_DIR="$REPO_ROOT/tests/browser"
export CNRM_TEST_POSTGRES_URL="${CNRM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
# For messages: the URL with any password masked.
PG_SHOWN="$(printf '%s' "$CNRM_TEST_POSTGRES_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"

STARTED=$SECONDS
STEP="preflight"
RUST_RUNNER=""
BROWSER_RESULT=""

log() { printf '\n==> %s\n' "$*"; }
die() {
    printf '\nERROR: %s\n' "$*" >&2
    exit 1
}
on_exit() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        printf '\ntest.sh: FAILED during "%s" (exit %d) after %ds\n' "$STEP" "$rc" "$((SECONDS - STARTED))" >&2
    fi
}
trap on_exit EXIT

in_ci() { [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; }

# ---------------------------------------------------------------------------
# Preflight: fail before the long build if something is missing.
# ---------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (https://rustup.rs)."

SKIP_BROWSER=0
if [[ -n "${CNRM_SKIP_BROWSER:-}" && "${CNRM_SKIP_BROWSER}" != "0" ]]; then
    if in_ci; then
        die "CNRM_SKIP_BROWSER is set but CI=${CI}: the browser test cannot be skipped in CI."
    fi
    SKIP_BROWSER=1
fi

if [[ $SKIP_BROWSER -eq 0 ]]; then
    missing=()
    [[ -x "$CHROMIUM" ]] || missing+=("chromium ($CHROMIUM): apt-get install -y chromium")
    command -v node >/dev/null || missing+=("node (>= 20): https://nodejs.org or your distribution")
    command -v npm >/dev/null || missing+=("npm: comes with node")
    if [[ ${#missing[@]} -gt 0 ]]; then
        printf '\nERROR: the browser test needs:\n' >&2
        printf '  - %s\n' "${missing[@]}" >&2
        printf 'Install them, or run with CNRM_SKIP_BROWSER=1 to skip the browser test (not allowed in CI).\n' >&2
        exit 1
    fi
    node_major="$(node -p 'process.versions.node.split(".")[0]')"
    [[ "$node_major" -ge 20 ]] || die "node $(node --version) is too old for the browser test: node >= 20 is needed."
fi

STEP="PostgreSQL check"
log "Checking PostgreSQL at $PG_SHOWN"
pg_help="PostgreSQL is not reachable at $PG_SHOWN.
The Rust tests need it. Either:
  - start the local cluster:  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start
    and make sure the database exists:  createdb -h 127.0.0.1 -U postgres test
    (trust authentication for 127.0.0.1 in pg_hba.conf, or put the password in the URL), or
  - point CNRM_TEST_POSTGRES_URL at a PostgreSQL you may create tables in, e.g.
    CNRM_TEST_POSTGRES_URL=postgres://user:password@host:5432/dbname ./scripts/test.sh"
if command -v psql >/dev/null; then
    # Proves the server is up, the credentials work and the database exists.
    if ! pg_out="$(PGCONNECT_TIMEOUT=5 psql "$CNRM_TEST_POSTGRES_URL" -XAtqc 'select 1' 2>&1 </dev/null)"; then
        die "$pg_help
psql said: $pg_out"
    fi
elif command -v pg_isready >/dev/null; then
    pg_isready -d "$CNRM_TEST_POSTGRES_URL" -t 5 >/dev/null || die "$pg_help"
else
    die "neither psql nor pg_isready is installed (apt-get install -y postgresql-client); cannot check $PG_SHOWN."
fi
echo "PostgreSQL is reachable."

# ---------------------------------------------------------------------------
# Rust tests.
# ---------------------------------------------------------------------------
STEP="Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    RUST_RUNNER="cargo nextest"
    log "Rust tests: cargo nextest run --workspace --no-fail-fast"
    cargo nextest run --workspace --no-fail-fast
else
    RUST_RUNNER="cargo test"
    log "Rust tests: cargo test --workspace --no-fail-fast (cargo-nextest not installed)"
    cargo test --workspace --no-fail-fast
fi

# ---------------------------------------------------------------------------
# Browser test.
# ---------------------------------------------------------------------------
if [[ $SKIP_BROWSER -eq 1 ]]; then
    BROWSER_RESULT="SKIPPED (CNRM_SKIP_BROWSER=${CNRM_SKIP_BROWSER})"
    printf '\n'
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
    printf '!!! BROWSER TEST SKIPPED (CNRM_SKIP_BROWSER=%s): the UI was NOT tested !!!\n' "$CNRM_SKIP_BROWSER"
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
else
    STEP="cargo build -p cnrm"
    log "Building the server: cargo build -p cnrm"
    cargo build -p cnrm
    if [[ -z "${CNRM_BIN:-}" ]]; then
        target_dir="${CARGO_TARGET_DIR:-target}"
        [[ "$target_dir" = /* ]] || target_dir="$REPO_ROOT/$target_dir"
        export CNRM_BIN="$target_dir/debug/cnrm"
    fi
    [[ -x "$CNRM_BIN" ]] || die "cargo build -p cnrm succeeded but $CNRM_BIN is not an executable."

    STEP="browser test dependencies"
    if [[ ! -d "$BROWSER_DIR/node_modules" ]]; then
        log "Installing browser test dependencies: npm ci (tests/browser)"
        (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund)
    elif [[ "$BROWSER_DIR/package-lock.json" -nt "$BROWSER_DIR/node_modules/.package-lock.json" ]]; then
        log "package-lock.json changed: npm ci (tests/browser)"
        (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund)
    fi

    STEP="browser test"
    export CNRM_SCREENSHOT_DIR="${CNRM_SCREENSHOT_DIR:-$REPO_ROOT/target/browser-screenshots}"
    log "Browser test: $CNRM_BIN with $CHROMIUM (screenshots in $CNRM_SCREENSHOT_DIR)"
    (cd "$BROWSER_DIR" && npm test)
    BROWSER_RESULT="passed (screenshots in $CNRM_SCREENSHOT_DIR)"
fi

STEP="summary"
printf '\ntest.sh: OK in %ds: Rust tests passed (%s, PostgreSQL at %s); browser test %s\n' \
    "$((SECONDS - STARTED))" "$RUST_RUNNER" "$PG_SHOWN" "$BROWSER_RESULT"
