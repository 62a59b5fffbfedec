import type { IncomingHttpHeaders } from 'node:http'
import { request as httpRequest } from 'node:http'
import type { S3Client } from '@aws-sdk/client-s3'
import type { TusStateApi } from '../tus/types.ts'

/** A PutObject held before it reaches the store: released as is, or failed as S3 throttling. */
export interface HeldPut {
  /** Resolves with the key once the PutObject has started and is waiting. */
  entered: Promise<string>
  release(): void
  fail(): void
}

/**
 * Holds the next PutObject whose key matches, on the real S3 client of an in-process gateway. The
 * middleware sits above the SDK's retries, so an injected failure reaches the caller once, as a
 * throttled S3 would after its attempts.
 */
export function putHolder(s3: S3Client) {
  const waiting: {
    matches: (key: string) => boolean
    held: Promise<'release' | 'fail'>
    enter: (key: string) => void
  }[] = []
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: unknown }).Key
      const at = waiting.findIndex((w) => typeof key === 'string' && w.matches(key))
      if (context.commandName === 'PutObjectCommand' && typeof key === 'string' && at >= 0) {
        const [hold] = waiting.splice(at, 1)
        hold?.enter(key)
        if ((await hold?.held) === 'fail') {
          throw Object.assign(new Error('Please reduce your request rate.'), {
            name: 'SlowDown',
            $metadata: { httpStatusCode: 503 },
          })
        }
      }
      return next(args)
    },
    { step: 'initialize', name: 'testHeldPuts' },
  )
  return {
    hold(matches: (key: string) => boolean): HeldPut {
      let enter: (key: string) => void = () => undefined
      let settle: (how: 'release' | 'fail') => void = () => undefined
      const entered = new Promise<string>((resolve) => {
        enter = resolve
      })
      const held = new Promise<'release' | 'fail'>((resolve) => {
        settle = resolve
      })
      waiting.push({ matches, held, enter })
      return { entered, release: () => settle('release'), fail: () => settle('fail') }
    },
  }
}

/** Records the tus RPCs a gateway makes (method names, in order). */
export function recordedTusState(real: TusStateApi, calls: string[]): TusStateApi {
  const record = <T>(name: string, result: Promise<T>): Promise<T> => {
    calls.push(name)
    return result
  }
  return {
    startTusUpload: (...a) => record('start', real.startTusUpload(...a)),
    getTusState: (...a) => record('get', real.getTusState(...a)),
    lockTusUpload: (...a) => record('lock', real.lockTusUpload(...a)),
    advanceTusUpload: (caller, lock) =>
      record(lock.unlock ? 'advance+unlock' : 'advance', real.advanceTusUpload(caller, lock)),
    unlockTusUpload: (...a) => record('unlock', real.unlockTusUpload(...a)),
  }
}

export interface RawAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * A PATCH whose body the test writes piece by piece (node:http, so the answer is read even when
 * it comes before the body is complete).
 */
export function openPatch(
  url: URL,
  token: string,
  offset: number,
  contentLength: number,
  headers: Record<string, string> = {},
) {
  const req = httpRequest(url, {
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      authorization: `Bearer ${token}`,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      'content-length': String(contentLength),
      ...headers,
    },
  })
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    req.on('response', (res) => {
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  // A cut connection rejects `answer`; a test that cuts it does not await the answer.
  answer.catch(() => undefined)
  return {
    answer,
    write: (bytes: Uint8Array) =>
      new Promise<void>((resolve, reject) => req.write(bytes, (err) => (err ? reject(err) : resolve()))),
    /** The client goes away mid-body. */
    cut: () => req.destroy(),
  }
}
