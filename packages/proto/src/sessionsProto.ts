import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type { SessionsClient, SessionsDefinition } from './generated/lfusys/sessions/v1/Sessions.ts'
import type { ProtoGrpcType } from './generated/sessions.ts'

/** The .proto source, the single definition of the contract (repository `proto/`). */
export const SESSIONS_PROTO_PATH = fileURLToPath(
  new URL('../../../proto/lfusys/sessions/v1/sessions.proto', import.meta.url),
)

/**
 * Loader options shared by server and client, and mirrored by the `generate` script so the generated
 * types describe exactly what the loader produces: camelCase fields, 64-bit integers as JS numbers
 * (file sizes stay far below 2^53), enums as their names, defaults filled in, and the name of the set
 * member of each oneof.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
}

let cached: ProtoGrpcType | undefined

function loadPackage(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(SESSIONS_PROTO_PATH, LOADER_OPTIONS)
    // The generated ProtoGrpcType is the typed view of exactly this loaded definition.
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType
  }
  return cached
}

/** The `lfusys.sessions.v1.Sessions` service definition, for `server.addService`. */
export function sessionsServiceDefinition(): SessionsDefinition {
  return loadPackage().lfusys.sessions.v1.Sessions.service
}

export const SESSIONS_SERVICE_NAME = 'lfusys.sessions.v1.Sessions'

/** What the sessions service depends on; each is reported by the gRPC health service. */
export const SESSIONS_DEPENDENCIES = ['dynamodb', 's3', 'sqs'] as const
export type SessionsDependency = (typeof SESSIONS_DEPENDENCIES)[number]

/**
 * The `grpc.health.v1` service name under which the sessions service reports one dependency
 * (`lfusys.sessions.v1.Sessions/dynamodb`): SERVING when its last probe answered, NOT_SERVING when
 * it failed, UNKNOWN before the first probe.
 */
export const dependencyHealthName = (dependency: SessionsDependency) =>
  `${SESSIONS_SERVICE_NAME}/${dependency}`

/** A client of the sessions service; `address` is host:port (for example 127.0.0.1:3102). */
export function createSessionsClient(
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  options: grpc.ClientOptions = {},
): SessionsClient {
  const Client = loadPackage().lfusys.sessions.v1.Sessions
  return new Client(address, credentials, options)
}
