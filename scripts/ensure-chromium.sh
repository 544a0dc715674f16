#!/bin/sh
# Makes sure a Chrome or Chromium is there for the viewer's browser tests
# (playwright-core drives the system's browser; a test tool's own browser
# download does not work on these machines). Looks where test/browser/chromium.ts
# looks: CHROMIUM_PATH, the Linux packages' binaries, macOS /Applications.
# On Linux it installs Debian's chromium with apt-get when running as root or
# with passwordless sudo; otherwise it stops with what to run.
set -eu
if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
  echo "ensure-chromium: CHROMIUM_PATH is set to '$CHROMIUM_PATH', which is not an executable file." >&2
  exit 1
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable \
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" \
  "/Applications/Chromium.app/Contents/MacOS/Chromium" \
  "$HOME/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" \
  "$HOME/Applications/Chromium.app/Contents/MacOS/Chromium"; do
  if [ -x "$candidate" ]; then exit 0; fi
done
case "$(uname -s)" in
  Darwin)
    echo "ensure-chromium: no Chrome or Chromium in /Applications or ~/Applications. Install Google Chrome, or set CHROMIUM_PATH to a Chrome/Chromium binary, for the browser tests." >&2
    exit 1
    ;;
  Linux) ;;
  *)
    echo "ensure-chromium: no Chrome or Chromium found; set CHROMIUM_PATH to a Chrome/Chromium binary for the browser tests." >&2
    exit 1
    ;;
esac
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "ensure-chromium: Chromium is missing and this user cannot install it (not root, no passwordless sudo)." >&2
  echo "  Ask an administrator to run: sudo apt-get install -y chromium" >&2
  echo "  or point CHROMIUM_PATH at a Chrome/Chromium binary you can run (e.g. one unpacked in your home directory)." >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (apt-get)" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
