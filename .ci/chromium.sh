#!/usr/bin/env bash
# Install Debian's headless-capable Chromium (for the report_renders_in_chromium
# test and the teaching page's browser test, see .ci/browser.sh) and DejaVu
# fonts (so the report's SVG text renders as the charts were measured), unless
# they are already there. Safe to run repeatedly.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
    echo "chromium.sh: chromium and DejaVu fonts already installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
