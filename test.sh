#!/usr/bin/env bash
# Runs every test: unit tests, the build-time feature check, and the Pax Exam integration tests in a real Karaf
# against a real Pulsar standalone that the build starts and stops itself. It installs the artifacts into the
# local Maven repository, where the stock-Karaf test resolves the feature from.
set -euo pipefail
cd "$(dirname "$0")"
# the API page's NodeJS examples run under Node with the npm 'ws' client
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Installing Node.js and npm (Debian packages) for the NodeJS example tests..."
  apt-get update -q && apt-get install -y -q nodejs npm
fi
# the API page's Python examples run under Debian's python3 with its websocket-client package
if ! /usr/bin/python3 -c "import websocket" 2>/dev/null; then
  echo "Installing python3-websocket (Debian package) for the Python example tests..."
  apt-get update -q && apt-get install -y -q python3-websocket
fi
# the web console's tests (BrowserConsoleIT) drive Debian's headless Chromium with npm's playwright-core, which
# downloads no browser of its own
if ! command -v chromium >/dev/null; then
  echo "Installing chromium (Debian package) for the web console's browser tests..."
  apt-get update -q && apt-get install -y -q chromium
fi
# the rolling-restart test (RollingRestartIT) puts Debian's HAProxy in front of two gateway nodes
if ! command -v haproxy >/dev/null; then
  echo "Installing haproxy (Debian package) for the rolling-restart test..."
  apt-get update -q && apt-get install -y -q haproxy
fi
exec mvn -B install "$@"
