import * as grpc from '@grpc/grpc-js'
import { SESSIONS_SERVICE_NAME, sessionsServiceDefinition } from '@lfusys/proto'
import { HealthImplementation } from 'grpc-health-check'
import type { SessionsConfig } from './config.ts'
import { ChunkEventConsumer } from './consumers/ChunkEventConsumer.ts'
import { FinalizationWatch } from './consumers/FinalizationWatch.ts'
import type { SessionsDeps } from './deps.ts'
import { FileRepository } from './files/FileRepository.ts'
import { FileService } from './files/FileService.ts'
import { awsProbes, DependencyHealth } from './grpc/DependencyHealth.ts'
import { sessionsHandlers } from './grpc/SessionsGrpcService.ts'
import { ObjectStore } from './storage/ObjectStore.ts'
import { TusService } from './tus/TusService.ts'
import { TusStateRepository } from './tus/TusStateRepository.ts'
import { Assembler } from './uploads/Assembler.ts'
import { ChunkEventService } from './uploads/ChunkEventService.ts'
import { ChunkRepository } from './uploads/ChunkRepository.ts'
import { EagerCopier } from './uploads/EagerCopier.ts'
import { ExpirySweeper } from './uploads/ExpirySweeper.ts'
import { Finalizer } from './uploads/Finalizer.ts'
import { SessionCleanup } from './uploads/SessionCleanup.ts'
import { SessionService } from './uploads/SessionService.ts'
import { UploadRepository } from './uploads/UploadRepository.ts'
import { UploadTransitions } from './uploads/UploadTransitions.ts'

export interface SessionsApp {
  server: grpc.Server
  health: HealthImplementation
  /** Probes DynamoDB, S3 and SQS and reports each through `health` (server.ts starts it). */
  dependencyHealth: DependencyHealth
  sessions: SessionService
  files: FileService
  chunkEvents: ChunkEventService
  consumer: ChunkEventConsumer
  sweeper: ExpirySweeper
  finalizer: Finalizer
  uploads: UploadRepository
  transitions: UploadTransitions
  fileRepository: FileRepository
  /** Ends open WatchUpload streams (UNAVAILABLE) so a graceful gRPC shutdown does not wait on them. */
  closeStreams(): void
}

/** How often each dependency is probed for the health service, and how long a probe may take. */
export const DEPENDENCY_PROBE_INTERVAL_MS = 5000
export const DEPENDENCY_PROBE_TIMEOUT_MS = 2000

/** Wires the service; never listens and starts no loops (server.ts and tests do). */
export function buildApp(config: SessionsConfig, deps: SessionsDeps): SessionsApp {
  const { log, aws, notifier } = deps
  const uploadsTable = { table: config.DYNAMODB_UPLOADS_TABLE }
  const uploads = new UploadRepository(aws.documents, uploadsTable)
  const transitions = new UploadTransitions(aws.documents, uploadsTable)
  const chunks = new ChunkRepository(aws.documents, uploadsTable)
  const fileRepository = new FileRepository(aws.documents, config.DYNAMODB_FILES_TABLE)
  const store = new ObjectStore(aws.s3, config.S3_BUCKET)
  const cleanup = new SessionCleanup(
    { uploads, transitions, files: fileRepository, store, notifier, log },
    { chunkPrefix: config.S3_CHUNK_PREFIX },
  )
  const assembler = new Assembler(
    { chunks, store },
    {
      chunkPrefix: config.S3_CHUNK_PREFIX,
      copyConcurrency: config.FINALIZE_COPY_CONCURRENCY,
      readBack: config.FINALIZE_READ_BACK,
    },
  )
  const finalizer = new Finalizer(
    { uploads, transitions, chunks, files: fileRepository, assembler, cleanup, notifier, log },
    {
      objectPrefix: config.S3_OBJECT_PREFIX,
      leaseMs: config.FINALIZE_LEASE_SECONDS * 1000,
      workerId: deps.workerId,
    },
  )
  const finalizationWatch = new FinalizationWatch(aws.sqs, log, {
    queueUrl: config.SQS_CHUNK_EVENTS_QUEUE_URL,
    region: config.AWS_REGION,
    bucket: config.S3_BUCKET,
    chunkPrefix: config.S3_CHUNK_PREFIX,
    leaseSeconds: config.FINALIZE_LEASE_SECONDS,
  })
  const eagerCopier = new EagerCopier(
    { uploads, chunks, files: fileRepository, store },
    {
      enabled: config.FINALIZE_EAGER_COPY,
      chunkPrefix: config.S3_CHUNK_PREFIX,
      objectPrefix: config.S3_OBJECT_PREFIX,
    },
  )
  const chunkEvents = new ChunkEventService({
    uploads,
    transitions,
    chunks,
    store,
    finalizer,
    eagerCopier,
    notifier,
    log,
    chunkPrefix: config.S3_CHUNK_PREFIX,
    sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
    watch: (uploadId) => finalizationWatch.watch(uploadId),
  })
  const sessions = new SessionService(
    { uploads, transitions, files: fileRepository, cleanup, chunkEvents, notifier, log },
    {
      baseChunkSize: config.CHUNK_SIZE_BYTES,
      maxFileSize: config.MAX_FILE_SIZE_BYTES,
      userQuotaBytes: config.USER_QUOTA_BYTES,
      sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
      tokenTtlSeconds: config.UPLOAD_TOKEN_TTL_SECONDS,
      maxChunksInFlight: config.UPLOAD_MAX_CHUNKS_IN_FLIGHT,
      tokenKeys: deps.tokenKeys,
    },
  )
  const files = new FileService(
    { files: fileRepository, store, log },
    { downloadUrlTtlSeconds: config.DOWNLOAD_URL_TTL_SECONDS },
  )
  const consumer = new ChunkEventConsumer(aws.sqs, chunkEvents, log, {
    queueUrl: config.SQS_CHUNK_EVENTS_QUEUE_URL,
    workers: config.CONSUMER_WORKERS,
    batchSize: config.CONSUMER_BATCH_SIZE,
    waitSeconds: config.CONSUMER_WAIT_SECONDS,
    visibilityTimeoutSeconds: config.CONSUMER_VISIBILITY_TIMEOUT_SECONDS,
  })
  const sweeper = new ExpirySweeper({
    uploads,
    transitions,
    finalizer,
    cleanup,
    log,
    ...(config.RECONCILE_AFTER_SECONDS > 0
      ? {
          reconcile: {
            events: chunkEvents,
            sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
            idleMs: config.RECONCILE_AFTER_SECONDS * 1000,
          },
        }
      : {}),
  })

  const shutdown = new AbortController()
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    // Gateways resolve every sessions task by DNS and balance round robin, but only when they
    // connect: ending each connection after a few minutes (GOAWAY, then a grace for open streams
    // longer than the gateway's longest event stream) makes them re-resolve, so tasks added by
    // autoscaling get their share.
    'grpc.max_connection_age_ms': 5 * 60_000,
    'grpc.max_connection_age_grace_ms': 20 * 60_000,
  })
  server.addService(
    sessionsServiceDefinition(),
    sessionsHandlers({
      sessions,
      files,
      log,
      uploadsPublicUrl: config.UPLOADS_PUBLIC_URL,
      watchPollIntervalMs: config.WATCH_POLL_INTERVAL_MS,
      shutdown: shutdown.signal,
      callerKeys: deps.callerKeys,
      tus: new TusService({
        sessions,
        repo: new TusStateRepository(aws.documents, config.DYNAMODB_UPLOADS_TABLE),
      }),
    }),
  )
  const health = new HealthImplementation({ '': 'SERVING', [SESSIONS_SERVICE_NAME]: 'SERVING' })
  health.addToServer(server)
  const dependencyHealth = new DependencyHealth(
    health,
    awsProbes(aws, {
      table: config.DYNAMODB_UPLOADS_TABLE,
      bucket: config.S3_BUCKET,
      queueUrl: config.SQS_CHUNK_EVENTS_QUEUE_URL,
    }),
    log,
    { intervalMs: DEPENDENCY_PROBE_INTERVAL_MS, timeoutMs: DEPENDENCY_PROBE_TIMEOUT_MS },
  )
  return {
    server,
    health,
    dependencyHealth,
    sessions,
    files,
    chunkEvents,
    consumer,
    sweeper,
    finalizer,
    uploads,
    transitions,
    fileRepository,
    closeStreams: () => shutdown.abort(),
  }
}

/** Binds the server; resolves with the bound port (0 picks a free one). */
export function listen(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    )
  })
}
