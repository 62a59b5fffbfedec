import dns from 'node:dns'
import * as grpc from '@grpc/grpc-js'
import { parseCallerTokenKeys } from '@lfusys/caller-token'
import { sessionsServiceDefinition } from '@lfusys/proto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SessionsGrpcClient } from './SessionsGrpcClient.ts'
import { sessionsChannelTarget } from './sessionsWire.ts'

// Two real sessions servers (answering ListUploads only) on two loopback addresses with one port,
// and a name that resolves to both, as Cloud Map's multivalue answer does for two sessions tasks.
// Only the name lookup is substituted; channel, balancing and calls are grpc-js's own.
const NAME = 'sessions.lfusys-test.internal'
const ADDRESSES = ['127.0.0.1', '127.0.0.2']
const calls = new Map<string, number>()
const servers: grpc.Server[] = []
let port = 0

async function listen(server: grpc.Server, host: string, wanted: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${host}:${wanted}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  )
}

beforeAll(async () => {
  for (const host of ADDRESSES) {
    const server = new grpc.Server()
    server.addService(sessionsServiceDefinition(), {
      listUploads: (_call: unknown, cb: grpc.sendUnaryData<{ uploads: [] }>) => {
        calls.set(host, (calls.get(host) ?? 0) + 1)
        cb(null, { uploads: [] })
      },
    } as unknown as grpc.UntypedServiceImplementation)
    port = await listen(server, host, port)
    servers.push(server)
  }
  const lookup = dns.promises.lookup
  vi.spyOn(dns.promises, 'lookup').mockImplementation(((hostname: string, options: unknown) =>
    hostname === NAME
      ? Promise.resolve(ADDRESSES.map((address) => ({ address, family: 4 })))
      : lookup(hostname, options as dns.LookupAllOptions)) as typeof dns.promises.lookup)
})

afterAll(() => {
  vi.restoreAllMocks()
  for (const server of servers) server.forceShutdown()
})

describe('SessionsGrpcClient balancing', () => {
  it('resolves host:port through DNS and keeps explicit resolver targets', () => {
    expect(sessionsChannelTarget('sessions.lfusys-prod.internal:3102')).toBe(
      'dns:///sessions.lfusys-prod.internal:3102',
    )
    expect(sessionsChannelTarget('127.0.0.1:3102')).toBe('dns:///127.0.0.1:3102')
    expect(sessionsChannelTarget('[::1]:3102')).toBe('dns:///[::1]:3102')
    expect(sessionsChannelTarget('ipv4:127.0.0.1:1,127.0.0.1:2')).toBe('ipv4:127.0.0.1:1,127.0.0.1:2')
  })

  it('spreads calls over every address the sessions name resolves to', async () => {
    const client = new SessionsGrpcClient(
      `${NAME}:${port}`,
      5000,
      parseCallerTokenKeys(`k1:${'s'.repeat(40)}`),
    )
    try {
      for (let i = 0; i < 20; i++) await client.listUploads({ userId: 'u1', isAdmin: false })
    } finally {
      client.close()
    }
    // pick_first (the default policy) would send all 20 to one server.
    expect(calls.get('127.0.0.1')).toBeGreaterThanOrEqual(5)
    expect(calls.get('127.0.0.2')).toBeGreaterThanOrEqual(5)
  })
})
