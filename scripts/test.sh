#!/usr/bin/env bash
# The one test command (README; `.ci/run` calls it): installs what the browser
# tests need when it is missing and this user can install it (root, or sudo
# without a password: Debian's chromium and DejaVu fonts, .ci/chromium.sh;
# node and playwright-core, .ci/browser.sh), then runs cargo fmt --check,
# clippy and the whole test suite (every test binary and the doc-tests, even
# after a failure), and ends with one summary.
#
# When the browser cannot be installed, it says so once, up front, and the two
# browser tests report themselves as NOT RUN (listed in the summary), never as
# passed. Under CI (POVSIM_CI=1, set by .ci/run) they are required: a browser
# that cannot be installed fails the command.
set -uo pipefail
cd "$(dirname "$0")/.."

ci="${POVSIM_CI:-}"
can_install=""
if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
    can_install=1
fi

have_chromium() { [ -x /usr/bin/chromium ]; }
have_fonts() { [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; }
have_node() { command -v node >/dev/null && command -v npm >/dev/null; }
have_playwright() { [ -f tests/browser/node_modules/playwright-core/package.json ]; }

if [ -n "$can_install" ]; then
    bash .ci/chromium.sh || echo "test.sh: .ci/chromium.sh failed" >&2
    bash .ci/browser.sh || echo "test.sh: .ci/browser.sh failed" >&2
elif have_node; then
    # npm ci into tests/browser needs no root.
    bash .ci/browser.sh || echo "test.sh: .ci/browser.sh failed" >&2
fi

missing=()
have_chromium || missing+=("chromium")
have_node || missing+=("node/npm")
have_playwright || missing+=("playwright-core")
have_fonts || missing+=("DejaVu fonts")

not_run_file=$(mktemp)
trap 'rm -f "$not_run_file"' EXIT
if [ ${#missing[@]} -gt 0 ]; then
    why="missing: ${missing[*]}"
    [ -n "$can_install" ] || why="$why (not root and no password-less sudo, so they cannot be installed)"
    if [ -n "$ci" ]; then
        echo "test.sh: CI requires the browser tests, but $why" >&2
        exit 1
    fi
    echo "test.sh: the browser tests will NOT RUN: $why. Everything else runs."
    export POVSIM_BROWSER_TESTS=not-run
    export POVSIM_NOT_RUN_FILE="$not_run_file"
fi

declare -a results=()
failed=0
step() {
    local name=$1
    shift
    echo "test.sh: $name: $*"
    if "$@"; then
        results+=("passed   $name")
    else
        results+=("FAILED   $name")
        failed=1
    fi
}
step fmt cargo fmt --all -- --check
step clippy cargo clippy --all-targets -- -D warnings
step tests cargo test --release --no-fail-fast

echo
echo "test.sh: summary"
for r in "${results[@]}"; do
    echo "  $r"
done
if [ -s "$not_run_file" ]; then
    while IFS= read -r line; do
        echo "  NOT RUN  $line"
    done <"$not_run_file"
fi
exit "$failed"
