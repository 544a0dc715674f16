#!/bin/sh
# Makes sure Debian's Chromium is installed for the viewer's browser tests
# (playwright-core drives it; a test tool's own browser download does not work
# on these machines). Installs it with apt-get when running as root or with
# passwordless sudo; otherwise says what to run.
set -eu
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROMIUM_PATH) for the browser tests." >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (apt-get)" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
