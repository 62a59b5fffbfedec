import type { Readable } from 'node:stream'
import { contentTypeSchema, fileNameSchema, normaliseContentType } from '@lfusys/contracts'
import { AppError } from '@lfusys/errors'
import { sendError } from '@lfusys/http-errors'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { callerOf } from '../http/authenticate.ts'
import type { App, RouteContext } from '../http/context.ts'
import { dependencyUnavailable } from '../http/dependencyErrors.ts'
import type { Upload } from '../uploads/types.ts'
import { keepBytesOnAbort } from './keepBytesOnAbort.ts'
import { TusError } from './TusError.ts'
import type { UploadChecksum } from './TusPatchWrite.ts'
import type { TusUploads } from './TusUploads.ts'

export const TUS_PATH = '/api/v1/tus/'
export const TUS_VERSION = '1.0.0'
export const TUS_EXTENSIONS = 'creation,creation-with-upload,termination,expiration,checksum'
export const TUS_CHECKSUM_ALGORITHMS = 'sha256,sha1'
const OFFSET_TYPE = 'application/offset+octet-stream'

/** Headers a browser script may read from tus answers (CORS). */
const EXPOSED = [
  'Location',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Expires',
  'Upload-Metadata',
  'Retry-After',
  'X-Request-Id',
].join(', ')
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Offset',
  'Upload-Checksum',
  'Upload-Defer-Length',
  'X-Csrf-Token',
  'X-Request-Id',
].join(', ')

/** `key base64,key2 base64,flag` (tus creation extension); undefined when malformed. */
export function parseUploadMetadata(header: string | undefined): Map<string, string> | undefined {
  const out = new Map<string, string>()
  if (header === undefined || header.trim() === '') return out
  for (const pair of header.split(',')) {
    const [key, value, ...rest] = pair.trim().split(' ')
    if (!key || rest.length > 0 || out.has(key)) return undefined
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined
    out.set(key, value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'))
  }
  return out
}

function parseChecksum(header: string | undefined): UploadChecksum | undefined {
  if (header === undefined) return undefined
  const [algorithm, value] = header.trim().split(' ')
  if (algorithm !== 'sha256' && algorithm !== 'sha1') {
    throw new TusError(
      400,
      'VALIDATION_FAILED',
      `Upload-Checksum algorithm must be one of ${TUS_CHECKSUM_ALGORITHMS}`,
    )
  }
  const digest = Buffer.from(value ?? '', 'base64')
  if (digest.length !== (algorithm === 'sha256' ? 32 : 20)) {
    throw new TusError(400, 'VALIDATION_FAILED', 'Upload-Checksum must be the algorithm and a base64 digest')
  }
  return { algorithm, digest }
}

function nonNegativeInteger(header: string | string[] | undefined, name: string): number | undefined {
  if (header === undefined) return undefined
  if (typeof header !== 'string' || !/^\d{1,16}$/.test(header) || !Number.isSafeInteger(Number(header))) {
    throw new TusError(400, 'VALIDATION_FAILED', `${name} must be a non-negative integer`)
  }
  return Number(header)
}

const httpDate = (iso: string) => new Date(iso).toUTCString()

function uploadHeaders(reply: FastifyReply, upload: Upload, offset: number) {
  reply.header('upload-offset', String(offset))
  reply.header('upload-length', String(upload.fileSize))
  if (upload.status === 'created' || upload.status === 'uploading') {
    reply.header('upload-expires', httpDate(upload.expiresAt))
  }
}

/**
 * tus 1.0.0 (core + creation, creation-with-upload, termination, expiration, checksum) under
 * /api/v1/tus/, in its own plugin scope so the raw `application/offset+octet-stream` body parser
 * and the tus error answers stay local. Same authentication as the rest of the API (bearer access
 * token, or the session cookie with the CSRF header on POST/PATCH/DELETE). See docs/tus.md.
 */
export function tusRoutes(app: App, ctx: RouteContext, tus: TusUploads) {
  const { config } = ctx
  app.register(async (scope: App) => {
    // The body stays unread: PATCH handlers stream request.raw themselves (no buffering, no limit).
    scope.addContentTypeParser(OFFSET_TYPE, (_request, _payload, done) => done(null))

    scope.setErrorHandler((err, request, reply) => {
      if (err instanceof TusError) {
        if (!request.raw.complete) reply.header('connection', 'close')
        // Node knows no reason phrase for tus's own status.
        if (err.status === 460) reply.raw.statusMessage = 'Checksum Mismatch'
        return reply
          .code(err.status)
          .headers(err.headers)
          .type('application/json; charset=utf-8')
          .send({ error: { code: err.code, message: err.message } })
      }
      // A PATCH that failed mid-body (a chunk could not be stored) has been reading the body itself,
      // so Node would not drain the rest: the connection closes after the answer.
      if (!request.raw.complete && request.raw.readableDidRead) reply.header('connection', 'close')
      return sendError(request, reply, err, dependencyUnavailable)
    })

    scope.addHook('onRequest', async (request, reply) => {
      reply.header('tus-resumable', TUS_VERSION)
      const origin = request.headers.origin
      if (origin !== undefined && origin === new URL(config.WEB_ORIGIN).origin) {
        reply.header('access-control-allow-origin', origin)
        reply.header('access-control-allow-credentials', 'true')
        reply.header('access-control-expose-headers', EXPOSED)
        reply.header('vary', 'Origin')
      }
      if (request.method === 'PATCH' || request.method === 'POST') keepBytesOnAbort(request.raw)
      if (request.method === 'OPTIONS') return
      const version = request.headers['tus-resumable']
      if (version !== TUS_VERSION) {
        throw new TusError(412, 'PRECONDITION_FAILED', `Tus-Resumable must be ${TUS_VERSION}`, {
          'tus-version': TUS_VERSION,
        })
      }
    })

    const discovery = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('tus-version', TUS_VERSION)
      reply.header('tus-extension', TUS_EXTENSIONS)
      reply.header('tus-max-size', String(config.TUS_MAX_SIZE_BYTES))
      reply.header('tus-checksum-algorithm', TUS_CHECKSUM_ALGORITHMS)
      if (request.headers['access-control-request-method'] !== undefined) {
        reply.header('access-control-allow-methods', 'OPTIONS, HEAD, POST, PATCH, DELETE')
        reply.header('access-control-allow-headers', ALLOWED_HEADERS)
        reply.header('access-control-max-age', '600')
      }
      return reply.code(204).send()
    }
    const doc = (summary: string) => ({
      tags: ['tus'],
      summary,
      description: 'tus 1.0.0 (https://tus.io/protocols/resumable-upload); see docs/tus.md.',
    })
    scope.options('/api/v1/tus', { schema: { ...doc('tus discovery'), hide: true } }, discovery)
    scope.options(
      TUS_PATH,
      { schema: doc('tus discovery: Tus-Version, Tus-Extension, Tus-Max-Size') },
      discovery,
    )
    scope.options(`${TUS_PATH}:id`, { schema: { ...doc('tus discovery'), hide: true } }, discovery)

    const create = async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = callerOf(request)
      if (request.headers['upload-defer-length'] !== undefined) {
        throw new TusError(
          400,
          'VALIDATION_FAILED',
          'Upload-Defer-Length is not supported: send Upload-Length',
        )
      }
      const length = nonNegativeInteger(request.headers['upload-length'], 'Upload-Length')
      if (length === undefined) throw new TusError(400, 'VALIDATION_FAILED', 'Upload-Length is required')
      if (length > config.TUS_MAX_SIZE_BYTES) {
        throw new TusError(
          413,
          'TOO_LARGE',
          `Upload-Length exceeds Tus-Max-Size ${config.TUS_MAX_SIZE_BYTES}`,
        )
      }
      const rawMetadata = request.headers['upload-metadata']
      const metadata = parseUploadMetadata(typeof rawMetadata === 'string' ? rawMetadata : undefined)
      if (!metadata) throw new TusError(400, 'VALIDATION_FAILED', 'Upload-Metadata is malformed')
      const fileName = fileNameSchema.safeParse(metadata.get('filename') ?? metadata.get('name') ?? 'upload')
      if (!fileName.success) {
        throw new TusError(
          400,
          'VALIDATION_FAILED',
          `filename: ${fileName.error.issues[0]?.message ?? 'invalid'}`,
        )
      }
      const type = metadata.get('filetype') ?? metadata.get('type')
      const contentType = type ? contentTypeSchema.safeParse(type) : undefined
      if (contentType && !contentType.success) {
        throw new TusError(
          400,
          'VALIDATION_FAILED',
          `filetype: ${contentType.error.issues[0]?.message ?? 'invalid'}`,
        )
      }
      const withBody = request.headers['content-type'] === OFFSET_TYPE
      const checksum = withBody ? parseChecksum(header(request, 'upload-checksum')) : undefined
      const created = await ctx.sessions.createUpload(caller, {
        fileName: fileName.data,
        fileSize: length,
        contentType: normaliseContentType(contentType?.data),
        contentHash: undefined,
        idempotencyKey: undefined,
      })
      if (created.result === 'duplicate') {
        throw new AppError('INTERNAL', 'a tus creation carries no content hash and cannot be a duplicate')
      }
      const started = await tus.start(caller, created.upload.id)
      reply.header('location', `${TUS_PATH}${created.upload.id}`)
      let offset = started.offset
      let upload = started.upload
      if (withBody || length === 0) {
        const outcome = await tus.patch(caller, created.upload.id, {
          offset: 0,
          body: request.raw as Readable,
          contentLength: nonNegativeInteger(request.headers['content-length'], 'Content-Length'),
          checksum,
        })
        offset = outcome.offset
        upload = outcome.upload
      }
      uploadHeaders(reply, upload, offset)
      return reply.code(201).send()
    }
    const preHandler = [ctx.requireAuth, ctx.limits.uploads]
    scope.post('/api/v1/tus', { schema: { ...doc('tus creation'), hide: true }, preHandler }, create)
    scope.post(
      TUS_PATH,
      { schema: doc('tus creation (Upload-Length, Upload-Metadata; creation-with-upload)'), preHandler },
      create,
    )

    scope.route({
      method: 'HEAD',
      url: `${TUS_PATH}:id`,
      schema: doc('tus offset: Upload-Offset, Upload-Length, Upload-Expires'),
      preHandler: ctx.requireAuth,
      handler: async (request, reply) => {
        const state = await tus.current(callerOf(request), idOf(request))
        uploadHeaders(reply, state.upload, state.offset)
        return reply.code(200).send()
      },
    })

    scope.patch(
      `${TUS_PATH}:id`,
      { schema: doc('tus bytes at Upload-Offset'), preHandler: ctx.requireAuth },
      async (request, reply) => {
        if (request.headers['content-type'] !== OFFSET_TYPE) {
          throw new TusError(415, 'VALIDATION_FAILED', `Content-Type must be ${OFFSET_TYPE}`)
        }
        const offset = nonNegativeInteger(request.headers['upload-offset'], 'Upload-Offset')
        if (offset === undefined) throw new TusError(400, 'VALIDATION_FAILED', 'Upload-Offset is required')
        const outcome = await tus.patch(callerOf(request), idOf(request), {
          offset,
          body: request.raw as Readable,
          contentLength: nonNegativeInteger(request.headers['content-length'], 'Content-Length'),
          checksum: parseChecksum(header(request, 'upload-checksum')),
        })
        uploadHeaders(reply, outcome.upload, outcome.offset)
        return reply.code(204).send()
      },
    )

    scope.delete(
      `${TUS_PATH}:id`,
      { schema: doc('tus termination'), preHandler: ctx.requireAuth },
      async (request, reply) => {
        const caller = callerOf(request)
        const state = await tus.current(caller, idOf(request))
        const upload = await ctx.sessions.cancelUpload(caller, state.upload.id)
        if (upload.status !== 'cancelled') {
          throw new TusError(
            409,
            'CONFLICT',
            `the upload is ${upload.status} and can no longer be terminated`,
          )
        }
        await tus.discard(state)
        return reply.code(204).send()
      },
    )
  })
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function idOf(request: FastifyRequest): string {
  const id = (request.params as { id?: unknown }).id
  if (typeof id !== 'string' || !ID.test(id)) throw new TusError(404, 'NOT_FOUND', 'upload not found')
  return id
}
