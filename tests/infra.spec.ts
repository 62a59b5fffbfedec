import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from '@cdktf/hcl2json'
import { stackResources } from '@lfusys/aws'
import { describeEnv } from '@lfusys/config'
import { beforeAll, describe, expect, it } from 'vitest'
import { serviceSchemas } from '../scripts/configDocs.ts'
import { envExampleNames, repoRoot } from './envExample.ts'

// No terraform binary is installable here: parse the HCL (Go parser compiled to WASM) and check the
// structure that matters - names from the one resource declaration, redrive, notification, least
// privilege, and environment variable names the services really read.
type Block = Record<string, unknown>
let tf: {
  resource: Record<string, Record<string, Block[]>>
  locals: Block[]
  variable: Record<string, Block[]>
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>) {
  for (const [k, v] of Object.entries(source)) {
    const existing = target[k]
    if (Array.isArray(existing) && Array.isArray(v)) existing.push(...v)
    else if (existing && typeof existing === 'object' && v && typeof v === 'object')
      merge(existing as Record<string, unknown>, v as Record<string, unknown>)
    else target[k] = v
  }
}

beforeAll(async () => {
  const dir = join(repoRoot, 'infra')
  const all: Record<string, unknown> = {}
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    merge(all, await parse(file, readFileSync(join(dir, file), 'utf8')))
  }
  tf = all as typeof tf
})

const one = (type: string, name: string): Block => {
  const block = tf.resource[type]?.[name]?.[0]
  if (!block) throw new Error(`no resource ${type}.${name}`)
  return block
}
const locals = () => Object.assign({}, ...tf.locals) as Record<string, unknown>

describe('infra (Terraform)', () => {
  it('names every resource as the shared declaration does', () => {
    const probe = stackResources('stackname')
    const asTf = (name: string) => name.replace('stackname', '${var.stack}')
    const l = locals()
    expect(l.bucket).toBe(asTf(probe.bucket))
    expect(l.queue).toBe(asTf(probe.chunkEventsQueue))
    expect(l.dlq).toBe(asTf(probe.chunkEventsDeadLetterQueue))
    expect(l.chunk_prefix).toBe(probe.chunkPrefix)
    expect(l.object_prefix).toBe(probe.objectPrefix)
    expect(l.staging_prefix).toBe(probe.stagingPrefix)
    expect(l.tables).toEqual(Object.keys(probe.tables))
    const table = one('aws_dynamodb_table', 'tables')
    expect(table.name).toBe('${var.stack}-${each.key}')
    expect([table.hash_key, table.range_key]).toEqual([
      probe.tables.users.partitionKey,
      probe.tables.users.sortKey,
    ])
    const gsis = (table.global_secondary_index as Block[]).map((g) => [g.name, g.hash_key, g.range_key])
    expect(gsis).toEqual(probe.tables.users.indexes.map((i) => [i.name, i.partitionKey, i.sortKey]))
    expect((table.ttl as Block[])[0]).toMatchObject({
      attribute_name: probe.tables.users.ttlAttribute,
      enabled: true,
    })
  })

  it('redrives chunk events to the dead-letter queue after the declared receives', () => {
    const queue = one('aws_sqs_queue', 'chunk_events')
    expect(String(queue.redrive_policy)).toContain('aws_sqs_queue.chunk_events_dlq.arn')
    expect(String(queue.redrive_policy)).toMatch(
      new RegExp(`maxReceiveCount\\s*=\\s*${stackResources('x-y-z').maxReceiveCount}`),
    )
    expect(queue.visibility_timeout_seconds).toBe(stackResources('x-y-z').visibilityTimeoutSeconds)
  })

  it('notifies the queue of objects created under the chunk prefix, allowed by a queue policy for this bucket', () => {
    const notification = one('aws_s3_bucket_notification', 'chunk_events')
    const queue = (notification.queue as Block[])[0]
    expect(queue).toMatchObject({
      events: ['s3:ObjectCreated:*'],
      filter_prefix: '${local.chunk_prefix}',
      queue_arn: '${aws_sqs_queue.chunk_events.arn}',
    })
    const policy = String(one('aws_sqs_queue_policy', 'chunk_events').policy)
    expect(policy).toContain('s3.amazonaws.com')
    expect(policy).toContain('aws:SourceArn')
    const lifecycle = JSON.stringify(one('aws_s3_bucket_lifecycle_configuration', 'data'))
    expect(lifecycle).toContain('abort_incomplete_multipart_upload')
    expect(lifecycle).toContain('${local.chunk_prefix}')
    expect(lifecycle).toContain('${local.staging_prefix}')
  })

  it('gives tasks only variables that .env.example documents, and secrets only through SSM', () => {
    const documented = envExampleNames()
    const l = locals()
    const services = l.services as Record<string, { env: Record<string, string>; secrets: string[] }>
    expect(Object.keys(services).sort()).toEqual(['gateway', 'sessions', 'uploads'])
    const used = [
      ...Object.keys(l.common_env as Record<string, string>),
      ...Object.values(services).flatMap((s) => [...Object.keys(s.env), ...s.secrets]),
    ]
    expect(used.filter((name) => !documented.has(name))).toEqual([])
    for (const s of Object.values(services)) {
      for (const name of Object.keys(s.env)) expect(name).not.toMatch(/SECRET|KEYS|PASSWORD/)
    }
  })

  it('overrides every variable whose default only makes sense on a developer machine', async () => {
    const l = locals()
    const services = l.services as Record<string, { env: Record<string, string>; secrets: string[] }>
    for (const { service, schema } of await serviceSchemas()) {
      const task = services[service]
      expect(task, service).toBeDefined()
      const set = new Set([
        ...Object.keys(l.common_env as Record<string, string>),
        ...Object.keys(task?.env ?? {}),
        ...(task?.secrets ?? []),
      ])
      const loopback = describeEnv(schema).filter((v) => /127\.0\.0\.1|localhost/.test(v.defaultValue ?? ''))
      expect(
        loopback.map((v) => v.name).filter((name) => !set.has(name)),
        service,
      ).toEqual([])
    }
  })

  it('grants each task role least privilege (no wildcard actions or resources)', () => {
    const docs = tf.resource.aws_iam_policy_document ?? {}
    const data =
      (tf as unknown as { data: Record<string, Record<string, Block[]>> }).data.aws_iam_policy_document ??
      docs
    for (const name of ['sessions', 'uploads', 'gateway']) {
      const statements = (data[name]?.[0]?.statement as Block[]) ?? []
      expect(statements.length, name).toBeGreaterThan(0)
      for (const st of statements) {
        for (const action of st.actions as string[]) expect(action, name).not.toMatch(/\*/)
        expect(st.resources, name).not.toContain('*')
      }
    }
  })

  it('scales the sessions workers on queue depth with a service resource id', () => {
    const target = one('aws_appautoscaling_target', 'sessions')
    expect(target.resource_id).toMatch(/^service\/\$\{aws_ecs_cluster\.main\.name\}\//)
    expect(JSON.stringify(one('aws_appautoscaling_policy', 'sessions_backlog'))).toContain(
      'ApproximateNumberOfMessagesVisible',
    )
  })

  it('terminates TLS with a current policy and redirects plain HTTP', () => {
    expect(String(one('aws_lb_listener', 'https').ssl_policy)).toMatch(/TLS13/)
    expect(JSON.stringify(one('aws_lb_listener', 'http_redirect'))).toContain('HTTP_301')
  })
})
