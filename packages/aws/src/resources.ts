/**
 * The one declaration of every cloud resource lfusys uses. The devstack, the test harness, the
 * compose provisioning and Terraform (infra/) all derive names from here, so a service configured
 * for stack `X` finds `X-data`, `X-chunk-events`, `X-uploads`, ... wherever it runs.
 */
export interface TableSpec {
  name: string
  /** Partition and sort key attribute names (both strings). */
  partitionKey: 'pk'
  sortKey: 'sk'
  /** Global secondary indexes over generic attributes, projected ALL. */
  indexes: { name: 'gsi1' | 'gsi2'; partitionKey: string; sortKey: string }[]
  /** Attribute holding an epoch-seconds expiry, or undefined for no TTL. */
  ttlAttribute: string | undefined
}

export interface StackResources {
  stack: string
  bucket: string
  /** Chunk objects live here; the bucket notification and the lifecycle backstop filter on it. */
  chunkPrefix: string
  /** Assembled, content-addressed objects. */
  objectPrefix: string
  /**
   * Where earlier versions of the uploads service staged unverified chunks; nothing writes there
   * now, only its lifecycle rule remains so leftovers expire.
   */
  stagingPrefix: string
  chunkEventsQueue: string
  chunkEventsDeadLetterQueue: string
  /** Receives after which SQS moves a message to the dead-letter queue. */
  maxReceiveCount: number
  visibilityTimeoutSeconds: number
  /** Days after which S3 deletes abandoned chunk objects on its own (backstop for the sweeper). */
  chunkLifecycleDays: number
  tables: { users: TableSpec; uploads: TableSpec; files: TableSpec }
}

const STACK_NAME = /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/

function table(name: string): TableSpec {
  return {
    name,
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    ],
    ttlAttribute: 'ttl',
  }
}

export function stackResources(stack: string): StackResources {
  if (!STACK_NAME.test(stack)) {
    throw new Error(`stack name "${stack}" must be 3-42 lowercase letters, digits or dashes`)
  }
  return {
    stack,
    bucket: `${stack}-data`,
    chunkPrefix: 'chunks/',
    objectPrefix: 'objects/',
    stagingPrefix: 'staging/',
    chunkEventsQueue: `${stack}-chunk-events`,
    chunkEventsDeadLetterQueue: `${stack}-chunk-events-dlq`,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 60,
    chunkLifecycleDays: 2,
    tables: {
      users: table(`${stack}-users`),
      uploads: table(`${stack}-uploads`),
      files: table(`${stack}-files`),
    },
  }
}

/**
 * The environment variables through which services learn the resource names. Values for the queue
 * URL come from provisioning (a URL is only known once the queue exists).
 */
export function resourceEnv(resources: StackResources, queueUrl: string): Record<string, string> {
  return {
    S3_BUCKET: resources.bucket,
    S3_CHUNK_PREFIX: resources.chunkPrefix,
    S3_OBJECT_PREFIX: resources.objectPrefix,
    SQS_CHUNK_EVENTS_QUEUE_URL: queueUrl,
    DYNAMODB_USERS_TABLE: resources.tables.users.name,
    DYNAMODB_UPLOADS_TABLE: resources.tables.uploads.name,
    DYNAMODB_FILES_TABLE: resources.tables.files.name,
  }
}
