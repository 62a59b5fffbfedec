#!/bin/sh
# Container entry point: `start-service.sh <service>` runs the service's package.json start script
# (`node --import @lfusys/telemetry/register ... src/server.ts`) from the service's folder, where
# pnpm would run it, with exec so the service receives SIGTERM directly. The --import entry
# registers OpenTelemetry's ESM loader hook and starts the SDK before the service's code loads.
set -eu
service="$1"
cd "$(dirname "$0")/../services/$service"
command=$(node -p "require('./package.json').scripts.start")
case "$command" in
  "node "*" src/server.ts" | "node src/server.ts") ;;
  *) echo "start-service.sh: unexpected start script for $service: $command" >&2; exit 1 ;;
esac
# shellcheck disable=SC2086
exec $command
