#!/usr/bin/env bash
# Starts the product: Karaf (Pax Web 11, Jetty 12) with the gateway on ws://localhost:8080, and, unless
# PULSAR_SERVICE_URL names a broker, a local Pulsar standalone (broker port 6650, admin port 8081).
#
#   ./run.sh            build if needed, then run in the foreground (Ctrl-D or 'shutdown' in the console stops all)
#   ./run.sh --build    rebuild the distribution first (after changing the code)
#   ./run.sh --clean    also forget the Karaf instance and broker data under run/
#
# Environment: PULSAR_SERVICE_URL (use this broker, start none), PULSAR_BROKER_PORT, PULSAR_WEB_PORT,
# GATEWAY_HTTP_PORT (default 8080), KARAF_XMX (default 512m).
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD
build=false; clean=false
for a in "$@"; do
  case "$a" in
    --build) build=true ;;
    --clean) clean=true; build=true ;;
    *) echo "usage: $0 [--build] [--clean]" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
dist="$top/karaf-assembly/target/pulsar-websocket-karaf-$version.tar.gz"
launcher="$top/itests/pulsar-standalone/target"
if $build || [ ! -f "$dist" ] || [ ! -f "$launcher/broker.classpath" ]; then
  echo "Building the distribution (tests skipped; ./test.sh runs them)..."
  mvn -B -q install -DskipTests
fi

run="$top/run"
$clean && rm -rf "$run"
karaf="$run/karaf"
if [ ! -d "$karaf" ]; then
  mkdir -p "$karaf"
  tar xzf "$dist" -C "$karaf" --strip-components=1
fi

broker_started=false
stop_broker() {
  if $broker_started; then
    java -cp "$launcher/classes" io.pulsarws.testing.broker.StandaloneBroker stop --dir "$run/broker" || true
  fi
}
trap stop_broker EXIT

service_url=${PULSAR_SERVICE_URL:-}
if [ -z "$service_url" ]; then
  # the broker also watches this script's pid: it ends with it even on kill -9
  java -cp "$launcher/classes" io.pulsarws.testing.broker.StandaloneBroker start --dir "$run/broker" \
    --classpath-file "$launcher/broker.classpath" --watch-pid $$ --api-page-namespaces \
    --broker-port "${PULSAR_BROKER_PORT:-6650}" --web-port "${PULSAR_WEB_PORT:-8081}"
  broker_started=true
  service_url="pulsar://127.0.0.1:${PULSAR_BROKER_PORT:-6650}"
fi

cfg="$karaf/etc/io.pulsarws.gateway.cfg"
if grep -q '^serviceUrl' "$cfg"; then
  sed -i "s#^serviceUrl.*#serviceUrl = $service_url#" "$cfg"
else
  printf '\nserviceUrl = %s\n' "$service_url" >> "$cfg"
fi
sed -i "s#^org.osgi.service.http.port.*#org.osgi.service.http.port = ${GATEWAY_HTTP_PORT:-8080}#" \
  "$karaf/etc/org.ops4j.pax.web.cfg"

echo "Gateway: ws://localhost:${GATEWAY_HTTP_PORT:-8080}/ws/...  Pulsar: $service_url  Karaf: $karaf"
echo "Web console: http://localhost:${GATEWAY_HTTP_PORT:-8080}/pulsar-websocket/console/"
export EXTRA_JAVA_OPTS="-Xmx${KARAF_XMX:-512m} ${EXTRA_JAVA_OPTS:-}"
if [ -t 0 ]; then
  "$karaf/bin/karaf"            # interactive console
else
  "$karaf/bin/karaf" server     # no terminal: run until stopped (bin/stop, SIGTERM)
fi
