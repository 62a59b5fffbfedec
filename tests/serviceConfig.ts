import { join } from 'node:path'
import { repoRoot } from './envExample.ts'

/**
 * Each service's own config loader (`load<Service>Config` in services/<name>/src/config.ts), exactly
 * as its server calls it at start-up: the schema plus any checks the loader adds (secret strength,
 * published secrets in production).
 */
export async function serviceLoader(service: string): Promise<(env: Record<string, string>) => unknown> {
  const mod = (await import(join(repoRoot, 'services', service, 'src', 'config.ts'))) as Record<
    string,
    unknown
  >
  const entry = Object.entries(mod).find(
    ([name, value]) => /^load[A-Z]\w*Config$/.test(name) && typeof value === 'function',
  )
  if (!entry) throw new Error(`services/${service}/src/config.ts exports no load<Name>Config`)
  return entry[1] as (env: Record<string, string>) => unknown
}
