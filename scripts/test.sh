#!/usr/bin/env bash
# `make test`: lint (Biome), typecheck, then every vitest project. Always ends with the line
# "N passed, N failed" (a failed lint or typecheck counts as one failure each).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
rm -f test-artifacts/vitest-report.json
checks_failed=0
run_check() {
  echo "== $*"
  "$@" || { echo "!! failed: $*"; checks_failed=$((checks_failed + 1)); }
}
run_check pnpm biome check .
run_check pnpm tsc -p tsconfig.json --noEmit
run_check pnpm -r --if-present run typecheck
echo "== vitest"
pnpm vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest-report.json "$@"
vitest_status=$?
summary=$(node scripts/test-summary.ts test-artifacts/vitest-report.json)
summary_status=$?
passed=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$summary")
failed=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$summary")
rest=$(sed -E 's/^[0-9]+ passed, [0-9]+ failed//' <<<"$summary")
echo "$passed passed, $((failed + checks_failed)) failed$rest"
[ "$vitest_status" -eq 0 ] && [ "$summary_status" -eq 0 ] && [ "$checks_failed" -eq 0 ]
