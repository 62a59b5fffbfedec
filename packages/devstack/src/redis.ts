import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createConnection } from 'node:net'
import { type ManagedProcess, spawnManaged, waitUntilReady } from './processes.ts'

/** Sends PING and expects +PONG: enough to know a Redis answers, with no client library. */
export function redisPing(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, timeoutMs)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => {
      clearTimeout(timer)
      resolve(false)
    })
  })
}

export function findRedisServer(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error(
      'redis-server is not installed. Install it with `apt-get install -y redis-server` ' +
        '(or point REDIS_URL at a running Redis with --redis-url).',
    )
  }
}

export interface RedisOptions {
  port: number
  /** Folder for the RDB snapshot; undefined keeps nothing on disk (tests). */
  dataDir: string | undefined
  onLine?: (line: string) => void
}

export async function startRedis(options: RedisOptions): Promise<ManagedProcess> {
  const binary = findRedisServer()
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ]
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true })
    args.push('--dir', options.dataDir, '--save', '60 1', '--dbfilename', 'dump.rdb')
  } else {
    args.push('--save', '')
  }
  const proc = spawnManaged('redis', binary, args, options.onLine ? { onLine: options.onLine } : {})
  await waitUntilReady('redis-server', () => redisPing('127.0.0.1', options.port), {
    timeoutMs: 30_000,
    process: proc,
  })
  return proc
}
