/**
 * The emulator side of the pipeline benchmark, in its own process: starts the local stack (fauxqs
 * with the S3 event forwarder, DynamoDB Local, Redis) on free ports, provisions one stack of
 * resources, prints `{"env": ...}` as one JSON line on stdout, and stops everything on SIGTERM.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startStack } from '@lfusys/devstack'

const repoRoot = join(import.meta.dirname, '..')
const stack = await startStack({
  ports: { aws: 0, dynamodb: 0, redis: 0 },
  stateDir: undefined,
  cacheDir: join(repoRoot, '.cache'),
  log: (msg) => console.error(`[stack] ${msg}`),
})
const provisioned = await stack.provision(`bench-${randomBytes(4).toString('hex')}`)
// The services under test run with development settings (random keys made by the bench, no OAuth,
// no mail); an unset LFUSYS_ENV would mean production, which refuses them.
console.log(JSON.stringify({ env: { LFUSYS_ENV: 'development', ...provisioned.env }, pid: process.pid }))

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await stack.stop()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())
