import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './envExample.ts'

const services = ['gateway', 'sessions', 'uploads'] as const
const startScript = (service: string) =>
  (
    JSON.parse(readFileSync(join(repoRoot, 'services', service, 'package.json'), 'utf8')) as {
      scripts: { start: string }
    }
  ).scripts.start

// The e2e test services/gateway/src/observability.e2e.spec.ts proves what the entry does; this keeps
// every start path on it.
describe('start paths', () => {
  it('every service starts with the telemetry --import entry', () => {
    for (const service of services) {
      expect(startScript(service), service).toMatch(
        /^node --import @lfusys\/telemetry\/register( \S+)* src\/server\.ts$/,
      )
    }
  })

  it('the image runs scripts/start-service.sh, which resolves the entry from the service folder', () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^CMD \[.*scripts\/start-service\.sh.*\]$/m)
    // The resolution the script's `node --import` relies on: the package is a dependency of each service.
    for (const service of services) {
      const resolved = createRequire(join(repoRoot, 'services', service, 'package.json')).resolve(
        '@lfusys/telemetry/register',
      )
      expect(resolved, service).toMatch(/packages\/telemetry\/src\/register\.ts$/)
    }
  })
})
