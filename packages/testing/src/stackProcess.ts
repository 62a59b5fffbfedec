/**
 * The local stack in its own process, for programs outside vitest (the benchmarks): starts fauxqs
 * with the S3 event forwarder, DynamoDB Local and Redis on free ports, provisions one stack of
 * resources, prints `{"env": ..., "pid": N}` as one JSON line on stdout, and stops everything on
 * SIGTERM. `startStackProcess()` (startStackProcess.ts) launches it and reads that line.
 */
import { randomBytes } from 'node:crypto'
import { startStack } from '@lfusys/devstack'
import { cacheDir } from './paths.ts'

const stack = await startStack({
  ports: { aws: 0, dynamodb: 0, redis: 0 },
  stateDir: undefined,
  cacheDir,
  log: (msg) => console.error(`[stack] ${msg}`),
})
const provisioned = await stack.provision(`${process.argv[2] ?? 'stack'}-${randomBytes(4).toString('hex')}`)
// The services started beside it run with development settings (random keys made by the caller, no OAuth,
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
