import { createLogger } from '@lfusys/logger'
import { describe, expect, it } from 'vitest'
import type { UploadRecord } from '../domain/UploadRecord.ts'
import type { ObjectStore } from '../storage/ObjectStore.ts'
import { formatMultipartRef } from './multipartRef.ts'
import { SessionCleanup } from './SessionCleanup.ts'

const log = createLogger({ service: 'cleanup-spec', level: 'silent' })

function setUp(record: Partial<UploadRecord> | undefined) {
  const steps: string[] = []
  const stored =
    record &&
    ({
      uploadId: 'u-1',
      userId: 'owner',
      chunkCount: 2,
      reservedBytes: 0,
      multipartUploadIds: [],
      ...record,
    } as UploadRecord)
  const store = {
    // The ended marker is covered end to end (crossService.e2e.spec.ts "an upload token ends with its upload").
    markEnded: async () => undefined,
    abortMultipart: async (key: string, id: string) => {
      steps.push(`abort ${key} ${id}`)
    },
    deleteMany: async (keys: readonly string[]) => {
      steps.push(`delete ${keys.join(',')}`)
    },
  } as unknown as ObjectStore
  const cleanup = new SessionCleanup(
    {
      uploads: { get: async () => stored },
      transitions: {
        cleanupDone: async (r, release) => {
          steps.push(`done ${r.uploadId} ${JSON.stringify(release?.Update?.ExpressionAttributeValues)}`)
        },
      },
      files: {
        releaseItem: (_user, size) => ({
          Update: {
            TableName: 'f',
            Key: {},
            UpdateExpression: '',
            ExpressionAttributeValues: { ':minus': -size },
          },
        }),
      },
      store,
      notifier: {
        publish: (id) => steps.push(`publish ${id}`),
        subscribe: () => () => undefined,
        live: () => true,
        close: async () => undefined,
      },
      log,
    },
    { chunkPrefix: 'chunks/' },
  )
  return { cleanup, steps }
}

describe('SessionCleanup', () => {
  it('aborts every multipart upload, deletes the chunks, then gives the reservation back', async () => {
    const a = formatMultipartRef('objects/k', 'mpu-1')
    const b = formatMultipartRef('objects/k', 'mpu-2')
    const { cleanup, steps } = setUp({ multipartUploadId: b, multipartUploadIds: [a, b], reservedBytes: 7 })
    await cleanup.cleanup('u-1', log)
    expect(steps).toEqual([
      'abort objects/k mpu-1',
      'abort objects/k mpu-2',
      'delete chunks/u-1/00000,chunks/u-1/00001',
      'done u-1 {":minus":-7}',
    ])
  })

  it('an ended upload is announced, then its pending work runs, then the cleanup', async () => {
    const { cleanup, steps } = setUp({ chunkCount: 1 })
    await cleanup.uploadEnded('u-1', 'complete', log, async () => {
      steps.push('before cleanup')
    })
    expect(steps[0]).toBe('publish u-1')
    expect(steps[1]).toBe('before cleanup')
    expect(steps.at(-1)).toMatch(/^done u-1/)
  })

  it('does nothing for a session that is gone', async () => {
    const { cleanup, steps } = setUp(undefined)
    await cleanup.cleanup('u-1', log)
    expect(steps).toEqual([])
  })
})
