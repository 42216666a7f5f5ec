#!/usr/bin/env bash
# Runs every test (and installs the artifacts into the local Maven repository, where the stock-Karaf test
# resolves the feature from): unit tests, the build-time feature check, and the Pax Exam integration tests in a real Karaf
# against a real Pulsar standalone that the build starts and stops itself.
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -B install "$@"
