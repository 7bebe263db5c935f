#!/usr/bin/env bash
# Install what the browser test of the teaching page needs (tests/browser:
# playwright-core, pinned by its package-lock.json; it drives Debian's
# /usr/bin/chromium, which .ci/chromium.sh installs, and downloads no browser
# of its own). Skipped when node_modules was already installed from the same
# lock file. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=tests/browser
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends nodejs npm
fi

lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
stamp="$dir/node_modules/.povsim-lock.sha256"
if [ -f "$dir/node_modules/playwright-core/package.json" ] && [ -f "$stamp" ] \
    && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    echo "browser.sh: $dir/node_modules already installed from this package-lock.json"
    exit 0
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$dir" --no-audit --no-fund
echo "$lock_sum" >"$stamp"
echo "browser.sh: node $(node --version), playwright-core $(node -p "require('./$dir/node_modules/playwright-core/package.json').version")"
