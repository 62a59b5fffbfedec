import { AppError } from '@lfusys/errors'
import {
  domainStatusOf,
  type FileInfo__Output,
  type Caller as ProtoCaller,
  type TusState__Output,
  type UploadSession__Output,
} from '@lfusys/proto'
import type { TusState } from '../tus/types.ts'
import type { Caller, FileRecord, Upload } from '../uploads/types.ts'

/** The sessions service's gRPC messages in the gateway's own terms, and how its channel is set up. */

export const iso = (ms: number) => new Date(ms).toISOString()

export function toUpload(s: UploadSession__Output): Upload {
  return {
    id: s.uploadId,
    fileName: s.fileName,
    fileSize: s.fileSize,
    contentType: s.contentType,
    contentHash: s.contentHash || null,
    chunkSize: s.chunkSize,
    chunkCount: s.chunkCount,
    receivedChunks: [...s.receivedChunks],
    status: domainStatusOf(s.status),
    chunkUploadUrl: s.chunkUploadUrl,
    fileId: s.fileId || null,
    failureReason: s.failureReason || null,
    createdAt: iso(s.createdAtMs),
    expiresAt: iso(s.expiresAtMs),
  }
}

export function toFile(f: FileInfo__Output): FileRecord {
  return {
    id: f.fileId,
    name: f.name,
    size: f.size,
    contentType: f.contentType,
    contentHash: f.contentHash,
    createdAt: iso(f.createdAtMs),
    ownerId: f.ownerId,
  }
}

export function toTusState(s: TusState__Output): TusState {
  if (!s.session) throw new AppError('INTERNAL', 'the sessions service sent an incomplete answer')
  return {
    upload: toUpload(s.session),
    offset: s.offset,
    stagingKey: s.stagingKey,
    lockId: s.lockId,
    lockExpiresAtMs: s.lockExpiresAtMs,
  }
}

export const protoCaller = (c: Caller): ProtoCaller => ({ userId: c.userId, isAdmin: c.isAdmin })

/**
 * `host:port` as a `dns:///` target: the channel connects to every address the name resolves to
 * (one A record per sessions task on ECS, from Cloud Map's multivalue answers) and spreads calls
 * round robin. The default pick_first would pin each gateway process to a single sessions task, so
 * scaling sessions out would spread nothing. A target that already names a resolver is kept.
 */
export function sessionsChannelTarget(address: string): string {
  const hostPort = /^(\[[^\]]+\]|[^:/\s]+):\d+$/.test(address)
  return hostPort ? `dns:///${address}` : address
}

export const sessionsChannelOptions = {
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  // A task that goes away triggers re-resolution; pick up the new record set soon after (the
  // records' TTL is 10 s).
  'grpc.dns_min_time_between_resolutions_ms': 10_000,
  // Reconnect quickly after the sessions service restarts instead of backing off for minutes.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2000,
} as const
