#!/usr/bin/env bash
# Make a fresh machine ready: Debian packages (when root and missing), the repo's .venv,
# and the project installed into it with its test extras. Idempotent and quiet when done.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS="libzbar0 libpulse0 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0
 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xkb1 libegl1 libgl1
 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-wqy-microhei xvfb xauth xdotool x11-utils matchbox-window-manager
 postgresql redis-server chromium chromium-driver systemd xinit xserver-xorg-core xserver-xorg-input-libinput
 speech-dispatcher speech-dispatcher-espeak-ng espeak-ng"

missing=""
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "bootstrap: missing Debian packages (run as root: apt-get install$missing)" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q -e ".[dev]"
  touch "$stamp"
fi
