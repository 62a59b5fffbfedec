#!/bin/sh
# Container entry point: `start-service.sh <service>` runs the service as its package.json start
# script does (same node flags), with exec so the service receives SIGTERM directly.
set -eu
service="$1"
flags=$(node -p "(require('./services/$service/package.json').scripts.start.match(/^node\s+(.*?)\s*src\/server\.ts$/)||[])[1]||''")
# shellcheck disable=SC2086
exec node $flags "services/$service/src/server.ts"
