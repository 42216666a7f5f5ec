#!/usr/bin/env bash
# Benchmarks side by side: one Pulsar standalone, Pulsar's own stand-alone WebSocket proxy and this gateway in
# Karaf (same heap, free loopback ports), the same loads against each and against the native Java client, then a
# table of ratios (also written to benchmarks/target/run/results.md). About 29 minutes on 2 cores.
#
#   benchmarks/run.sh            the full run (builds what is missing first)
#   benchmarks/run.sh --quick    shorter loads, 1,000 idle sessions: a smoke run of a few minutes
#   benchmarks/run.sh --profile  also records JFR profiles of our gateway (producing, consuming)
#   benchmarks/run.sh --profile-tool  also records a JFR profile of the load tool in each load
# Other options go to io.pulsarws.bench.Suite: --idle-sessions N, --rss-bound MiB (1024), --heap 512m,
# --only produce-100,consume-100,idle,flood-read,flood-ignored,flood-unread,deflate,... (just these loads),
# --fanout 100,1000,5000 (readers), --fanout-shared 100,1000,5000 (consumers with a Shared subscription each).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
assembly="$top/karaf-assembly/target/pulsar-websocket-karaf-$version.tar.gz"
launcher="$top/itests/pulsar-standalone/target"
bench="$top/benchmarks/target"
if [ ! -f "$assembly" ] || [ ! -f "$launcher/broker.classpath" ] || [ ! -f "$bench/bench.classpath" ] \
    || [ ! -d "$bench/classes" ]; then
  echo "Building (tests skipped)..."
  mvn -B -q install -DskipTests
fi
exec java -Xmx256m -cp "$bench/classes:$(cat "$bench/bench.classpath")" io.pulsarws.bench.Suite \
  --work "$bench/run" --broker-classpath "$launcher/broker.classpath" --launcher-classes "$launcher/classes" \
  --assembly "$assembly" --classpath "$bench/classes:$(cat "$bench/bench.classpath")" --docs "$top/docs" "$@"
