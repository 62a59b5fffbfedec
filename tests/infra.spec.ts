import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stackResources } from '@lfusys/aws'
import { describeEnv } from '@lfusys/config'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { serviceSchemas } from '../scripts/configDocs.ts'
import { requiredActions } from './awsActions.ts'
import { envExampleNames, repoRoot } from './envExample.ts'
import { serviceLoader } from './serviceConfig.ts'
import { type Block, infraSources, interpolate, loadTerraform, Model } from './terraform.ts'

// No terraform binary is installable here: the HCL is parsed (tests/terraform.ts) and checked for
// what `terraform apply` or the first deploy would otherwise reject or get wrong.
let m: Model
// Parsing (WASM) and docker-compose runs (a Python process each) are slow on a shared 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

beforeAll(async () => {
  m = new Model(await loadTerraform())
})

interface TaskSpec {
  port: number
  env: Record<string, string>
  secrets: string[]
  optional_secrets: string[] | string
}
const services = () => m.locals.services as Record<string, TaskSpec>
const commonEnv = () => m.locals.common_env as Record<string, string>
const quotedNames = (expr: string) => [...expr.matchAll(/"([A-Z][A-Z0-9_]+)"/g)].map((x) => x[1] as string)
/** Every optional secret a task may get (the OAuth providers, when configured). */
const optionalSecrets = (task: TaskSpec): string[] => {
  if (Array.isArray(task.optional_secrets)) return task.optional_secrets
  const ref = /^\$\{local\.([a-z_]+)\}$/.exec(task.optional_secrets)?.[1]
  if (!ref) throw new Error(`cannot read optional_secrets ${task.optional_secrets}`)
  return quotedNames(String(m.locals[ref]))
}

// Sample values for the references a task's environment and secrets use. Unknown references throw.
const SAMPLE = { region: 'eu-north-1', account: '123456789012', stack: 'lfusys-prod' }
const alnum = (n: number) =>
  randomBytes(n)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'a')
    .slice(0, n)

function sampleResolver(eachKey?: string, overrides: Record<string, string> = {}) {
  const resolve = (expr: string): string | undefined => {
    if (expr in overrides) return overrides[expr]
    const sub = (template: unknown, key = eachKey) =>
      interpolate(String(template), sampleResolver(key, overrides))
    if (expr === 'each.key') return eachKey
    if (expr === 'var.stack') return SAMPLE.stack
    if (expr === 'var.region') return SAMPLE.region
    if (expr === 'var.domain_name') return 'files.example.com'
    if (expr === 'var.admin_emails') return 'ops@example.com'
    if (expr === 'var.ses_identity') return 'example.com'
    if (expr === 'strcontains(var.ses_identity, "@") ? var.ses_identity : "no-reply@${var.ses_identity}"') {
      return 'no-reply@example.com'
    }
    if (expr === 'data.aws_caller_identity.current.account_id') return SAMPLE.account
    if (/^var\.tracing == "none" \? "false" : "true"$/.test(expr)) return 'true'
    let r = /^local\.([a-z_]+)$/.exec(expr)
    if (r?.[1] && typeof m.locals[r[1]] === 'string') return sub(m.locals[r[1]])
    if (expr === 'aws_s3_bucket.data.bucket') return sub(m.resource('aws_s3_bucket', 'data').bucket)
    r = /^aws_dynamodb_table\.tables\["([a-z]+)"\]\.name$/.exec(expr)
    if (r?.[1]) return sub(m.resource('aws_dynamodb_table', 'tables').name, r[1])
    if (expr === 'aws_sqs_queue.chunk_events.url') {
      return `https://sqs.${SAMPLE.region}.amazonaws.com/${SAMPLE.account}/${sub(m.resource('aws_sqs_queue', 'chunk_events').name)}`
    }
    if (expr === 'aws_service_discovery_private_dns_namespace.main.name') {
      return sub(m.resource('aws_service_discovery_private_dns_namespace', 'main').name)
    }
    if (expr === 'join(",", aws_subnet.public[*].cidr_block)') return '10.40.0.0/24,10.40.1.0/24'
    if (/^random_password\.[a-z_]+(\[each\.key\])?\.result$/.test(expr)) return alnum(48)
    if (expr === 'aws_elasticache_replication_group.redis.primary_endpoint_address') {
      return 'master.lfusys-prod-redis.abc123.eun1.cache.amazonaws.com'
    }
    if (expr === 'local.oauth_secret_values[each.key]') return `sample-${String(eachKey).toLowerCase()}`
    return undefined
  }
  return resolve
}

/** The value an SSM parameter gives a secret, as Terraform would write it. */
function secretValue(name: string): string {
  const generated = m.resource('aws_ssm_parameter', 'generated')
  if (m.forEachKeys(generated.for_each).includes(name))
    return interpolate(String(generated.value), sampleResolver(name))
  if (name === 'TELEMETRY_PSEUDONYM_KEY')
    return interpolate(String(m.resource('aws_ssm_parameter', 'telemetry_pseudonym').value), sampleResolver())
  if (name === 'REDIS_URL')
    return interpolate(String(m.resource('aws_ssm_parameter', 'redis_url').value), sampleResolver())
  const oauth = m.resource('aws_ssm_parameter', 'oauth')
  if (quotedNames(String(m.locals.oauth_secrets)).includes(name))
    return interpolate(String(oauth.value), sampleResolver(name))
  throw new Error(`no SSM parameter provides ${name}`)
}

function taskEnv(service: string, withOptional: boolean): Record<string, string> {
  const task = services()[service]
  if (!task) throw new Error(`no task ${service}`)
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...commonEnv(), ...task.env }))
    env[k] = interpolate(v, sampleResolver())
  for (const name of [...task.secrets, ...(withOptional ? optionalSecrets(task) : [])])
    env[name] = secretValue(name)
  return env
}

describe('infra: names and resources', () => {
  it('names every resource as the shared declaration does (the bucket gains account and region)', () => {
    const probe = stackResources('stackname')
    const asTf = (name: string) => name.replace('stackname', '${var.stack}')
    const l = m.locals
    expect(l.bucket).toBe(`${asTf(probe.bucket)}-\${local.account_id}-\${var.region}`)
    expect(l.queue).toBe(asTf(probe.chunkEventsQueue))
    expect(l.dlq).toBe(asTf(probe.chunkEventsDeadLetterQueue))
    expect(l.chunk_prefix).toBe(probe.chunkPrefix)
    expect(l.object_prefix).toBe(probe.objectPrefix)
    expect(l.staging_prefix).toBe(probe.stagingPrefix)
    expect(l.tables).toEqual(Object.keys(probe.tables))
    const table = m.resource('aws_dynamodb_table', 'tables')
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
    const queue = m.resource('aws_sqs_queue', 'chunk_events')
    expect(String(queue.redrive_policy)).toContain('aws_sqs_queue.chunk_events_dlq.arn')
    expect(String(queue.redrive_policy)).toMatch(
      new RegExp(`maxReceiveCount\\s*=\\s*${stackResources('x-y-z').maxReceiveCount}`),
    )
    expect(queue.visibility_timeout_seconds).toBe(stackResources('x-y-z').visibilityTimeoutSeconds)
  })

  it('notifies the queue of objects created under the chunk prefix, allowed by a queue policy for this bucket', () => {
    const queue = (m.resource('aws_s3_bucket_notification', 'chunk_events').queue as Block[])[0]
    expect(queue).toMatchObject({
      events: ['s3:ObjectCreated:*'],
      filter_prefix: '${local.chunk_prefix}',
      queue_arn: '${aws_sqs_queue.chunk_events.arn}',
    })
    const policy = String(m.resource('aws_sqs_queue_policy', 'chunk_events').policy)
    expect(policy).toContain('s3.amazonaws.com')
    expect(policy).toContain('aws:SourceArn')
    const lifecycle = JSON.stringify(m.resource('aws_s3_bucket_lifecycle_configuration', 'data'))
    expect(lifecycle).toContain('abort_incomplete_multipart_upload')
    expect(lifecycle).toContain('${local.chunk_prefix}')
    expect(lifecycle).toContain('${local.staging_prefix}')
  })

  // Limits AWS enforces on the names Terraform sets (a longer one fails `terraform apply`).
  const NAME_LIMITS: [type: string, attribute: string, limit: number][] = [
    ['aws_lb', 'name', 32],
    ['aws_lb_target_group', 'name', 32],
    ['aws_elasticache_replication_group', 'replication_group_id', 40],
    ['aws_elasticache_subnet_group', 'name', 255],
    ['aws_s3_bucket', 'bucket', 63],
    ['aws_iam_role', 'name', 64],
    ['aws_iam_role_policy', 'name', 128],
    ['aws_sqs_queue', 'name', 80],
    ['aws_dynamodb_table', 'name', 255],
    ['aws_ecs_cluster', 'name', 255],
    ['aws_ecs_service', 'name', 255],
    ['aws_ecs_task_definition', 'family', 255],
    ['aws_security_group', 'name', 255],
    ['aws_cloudwatch_metric_alarm', 'alarm_name', 255],
    ['aws_cloudwatch_log_group', 'name', 512],
    ['aws_cloudwatch_log_metric_filter', 'name', 512],
    ['aws_ecr_repository', 'name', 256],
    ['aws_appautoscaling_policy', 'name', 255],
    ['aws_service_discovery_private_dns_namespace', 'name', 253],
    ['aws_sns_topic', 'name', 256],
    ['aws_ssm_parameter', 'name', 2048],
  ]

  it('keeps every name within its AWS limit at the longest stack name the variable allows', () => {
    const condition = String((m.variable('stack').validation as Block[])[0]?.condition)
    const max = Number(/length\(var\.stack\) <= (\d+)/.exec(condition)?.[1])
    expect(max, 'the stack variable bounds its length').toBeGreaterThan(0)
    const longest = `s${'x'.repeat(max - 1)}`
    expect(() => stackResources(longest)).not.toThrow()
    const overrides = { 'var.stack': longest, 'var.region': 'ap-southeast-4' }
    const tooLong: string[] = []
    let checked = 0
    for (const [type, attribute, limit] of NAME_LIMITS) {
      for (const [name, block] of m.resources(type)) {
        const template = block[attribute]
        if (template === undefined) continue
        const keys = block.for_each === undefined ? [undefined] : m.forEachKeys(block.for_each)
        for (const key of keys) {
          const value = interpolate(String(template), sampleResolver(key, overrides))
          checked++
          if (value.length > limit)
            tooLong.push(`${type}.${name}[${key ?? ''}] ${attribute}=${value} (${value.length} > ${limit})`)
        }
      }
    }
    expect(tooLong).toEqual([])
    expect(checked).toBeGreaterThan(40)
    // Every stack-derived name is covered by the table above.
    const covered = new Set(NAME_LIMITS.map(([t]) => t))
    const uncovered = Object.entries(m.tf.resource).flatMap(([type, byName]) =>
      Object.values(byName).some((blocks) =>
        ['name', 'bucket', 'family', 'alarm_name', 'replication_group_id'].some((a) =>
          String((blocks[0] as Block)[a] ?? '').includes('var.stack'),
        ),
      ) && !covered.has(type)
        ? [type]
        : [],
    )
    expect(uncovered).toEqual([])
  })

  it('names the data and log buckets uniquely per account and region', () => {
    for (const bucket of ['bucket', 'logs_bucket']) {
      expect(String(m.locals[bucket])).toMatch(/\$\{local\.account_id\}-\$\{var\.region\}$/)
    }
  })
})

describe('infra: variables', () => {
  it('describes every variable, and docs/deploy.md shows how to set each required one', () => {
    const guide = readFileSync(join(repoRoot, 'docs', 'deploy.md'), 'utf8')
    for (const [name, blocks] of Object.entries(m.tf.variable)) {
      const v = blocks[0] as Block
      expect(String(v.description ?? ''), name).not.toBe('')
      if (!('default' in v)) expect(guide, name).toMatch(new RegExp(`\\b${name}\\b`))
    }
  })
})

describe('infra: dependency graph', () => {
  it('refers only to declared resources, data sources, locals and variables', () => {
    const body = JSON.stringify([m.tf.resource, m.tf.data, m.tf.locals, m.tf.output, m.tf.variable])
    const unknown = new Set<string>()
    for (const [, ref] of body.matchAll(/\b((?:data\.)?(?:aws|random)_[a-z0-9_]+\.[a-z0-9_]+)/g)) {
      const [a, b, c] = (ref as string).split('.')
      const found =
        a === 'data' ? m.tf.data[b as string]?.[c as string] : m.tf.resource[a as string]?.[b as string]
      if (!found) unknown.add(ref as string)
    }
    for (const [, name] of body.matchAll(/\bvar\.([a-z0-9_]+)/g)) {
      if (!m.tf.variable[name as string]) unknown.add(`var.${name}`)
    }
    for (const [, name] of body.matchAll(/\blocal\.([a-z0-9_]+)/g)) {
      if (!((name as string) in m.locals)) unknown.add(`local.${name}`)
    }
    expect([...unknown]).toEqual([])
  })

  it('has no reference cycle (terraform plan would refuse one)', () => {
    const nodes = new Map<string, string>()
    for (const [type, byName] of Object.entries(m.tf.resource)) {
      for (const [name, blocks] of Object.entries(byName))
        nodes.set(`${type}.${name}`, JSON.stringify(blocks))
    }
    for (const [type, byName] of Object.entries(m.tf.data)) {
      for (const [name, blocks] of Object.entries(byName))
        nodes.set(`data.${type}.${name}`, JSON.stringify(blocks))
    }
    for (const [name, value] of Object.entries(m.locals)) nodes.set(`local.${name}`, JSON.stringify(value))
    const refs = (body: string) =>
      new Set(
        [
          ...body.matchAll(
            /\b(data\.[a-z0-9_]+\.[a-z0-9_]+|local\.[a-z0-9_]+|(?:aws|random)_[a-z0-9_]+\.[a-z0-9_]+)/g,
          ),
        ]
          .map((x) => x[1] as string)
          .filter((r) => nodes.has(r)),
      )
    const edges = new Map([...nodes].map(([node, body]) => [node, refs(body)]))
    const state = new Map<string, 'visiting' | 'done'>()
    const cycles: string[] = []
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '))
        return
      }
      state.set(node, 'visiting')
      for (const next of edges.get(node) ?? []) visit(next, [...path, node])
      state.set(node, 'done')
    }
    for (const node of nodes.keys()) visit(node, [])
    expect(cycles).toEqual([])
    expect(edges.get('aws_ecs_service.services')?.has('aws_lb_listener_rule.gateway')).toBe(true)
  })
})

describe('infra: task definitions start the services', () => {
  it('sets every variable each service config requires, so the production config loads (with and without OAuth)', async () => {
    for (const { service } of await serviceSchemas()) {
      const load = await serviceLoader(service)
      for (const withOptional of [false, true]) {
        const env = taskEnv(service, withOptional)
        expect(env.LFUSYS_ENV, service).toBe('production')
        expect(() => load(env), `${service} (optional secrets: ${withOptional})`).not.toThrow()
      }
    }
  })

  it('overrides every variable whose default only makes sense on a developer machine', async () => {
    for (const { service, schema } of await serviceSchemas()) {
      const set = new Set(Object.keys(taskEnv(service, true)))
      const loopback = describeEnv(schema).filter((v) => /127\.0\.0\.1|localhost/.test(v.defaultValue ?? ''))
      expect(
        loopback.map((v) => v.name).filter((name) => !set.has(name)),
        service,
      ).toEqual([])
    }
  })

  it('gives tasks only variables that .env.example documents, and secrets only through SSM', () => {
    const documented = envExampleNames()
    expect(Object.keys(services()).sort()).toEqual(['gateway', 'sessions', 'uploads'])
    const used = [
      ...Object.keys(commonEnv()),
      ...Object.values(services()).flatMap((s) => [
        ...Object.keys(s.env),
        ...s.secrets,
        ...optionalSecrets(s),
      ]),
    ]
    expect(used.filter((name) => !documented.has(name))).toEqual([])
    for (const s of Object.values(services())) {
      for (const name of Object.keys(s.env)) expect(name).not.toMatch(/SECRET|KEYS|PASSWORD|TOKEN/)
    }
  })

  it('generates the telemetry pseudonym key and gives it to every service, so deployed spans carry it', () => {
    expect(String(m.resource('aws_ssm_parameter', 'telemetry_pseudonym').value)).toContain(
      'random_password.telemetry_pseudonym',
    )
    for (const service of Object.keys(services())) {
      expect(taskEnv(service, false).TELEMETRY_PSEUDONYM_KEY, service).toMatch(/^[A-Za-z0-9]{16,}$/)
    }
  })

  it('generates signing keys (random provider) and creates OAuth parameters only for configured providers', () => {
    for (const [name, p] of m.resources('aws_ssm_parameter')) {
      expect(String(p.value), name).toMatch(/\$\{/)
      expect(String(p.value), name).not.toMatch(/set-me|change-me/)
      expect(p.type, name).toBe('SecureString')
    }
    expect(String(m.resource('aws_ssm_parameter', 'generated').value)).toContain('random_password.keys')
    for (const v of [
      'github_client_id',
      'github_client_secret',
      'google_client_id',
      'google_client_secret',
    ]) {
      expect(m.variable(v).default, v).toBe('')
    }
    expect(String(m.locals.oauth_secrets)).toMatch(/var\.github_client_id == "" \? \[\]/)
    expect(String(m.locals.oauth_secrets)).toMatch(/var\.google_client_id == "" \? \[\]/)
    expect(m.variable('github_client_secret').sensitive).toBe(true)
    expect(m.variable('google_client_secret').sensitive).toBe(true)
  })

  it('runs the image by an immutable tag or digest from the stack ECR repositories, never latest', () => {
    for (const [name, repo] of m.resources('aws_ecr_repository')) {
      expect(repo.image_tag_mutability, name).toBe('IMMUTABLE')
    }
    expect(m.forEachKeys(m.resource('aws_ecr_repository', 'images').for_each).sort()).toEqual([
      'gateway',
      'sessions',
      'uploads',
      'web',
    ])
    const imageTag = m.variable('image_tag')
    expect(imageTag.default).toBeUndefined()
    expect(String((imageTag.validation as Block[])[0]?.condition)).toContain('var.image_tag != "latest"')
    const images: string[] = []
    for (const { file, text } of infraSources()) {
      for (const x of text.matchAll(/\bimage\s*=\s*"((?:\$\{[^}]*\}|[^"$])+)"/g))
        images.push(`${file}: ${x[1]}`)
    }
    expect(images.length).toBeGreaterThanOrEqual(3)
    for (const image of images) {
      if (image.includes('${var.image_tag}')) expect(image).toContain('aws_ecr_repository.images')
      else expect(image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/)
      expect(image).not.toMatch(/:latest\b/)
    }
  })

  it('keeps root filesystems read-only with a writable /tmp', () => {
    for (const [name, def] of m.resources('aws_ecs_task_definition')) {
      const text = String(def.container_definitions)
      expect(text, name).toMatch(/readonlyRootFilesystem\s*=\s*true/)
      expect(text, name).not.toMatch(/readonlyRootFilesystem\s*=\s*false/)
      expect(text, name).toContain('containerPath = "/tmp"')
      expect((def.volume as Block[])[0]?.name, name).toBe('${local.tmp_volume}')
    }
    expect((m.locals.collector_container as Block).readonlyRootFilesystem).toBe(true)
    for (const file of ['Dockerfile', 'infra/docker/web.Dockerfile']) {
      expect(readFileSync(join(repoRoot, file), 'utf8'), file).toMatch(/^VOLUME \["\/tmp"\]$/m)
    }
  })

  it('runs the image default command (no override), so every task loads the instrumentation the image loads', () => {
    for (const [name, def] of m.resources('aws_ecs_task_definition')) {
      // The health check's own command aside.
      const text = String(def.container_definitions).replace(/healthCheck\s*=\s*\{[^}]*\}/g, '')
      expect(text, name).not.toMatch(/\b(command|entryPoint)\s*=/)
    }
  })
})

describe('infra: AWS permissions', () => {
  const appPolicies = ['gateway', 'sessions', 'uploads']

  it('grants each service exactly the AWS actions its code calls (derived from the SDK commands it sends)', () => {
    for (const service of appPolicies) {
      const needed = requiredActions(service)
      const statements = (m.data('aws_iam_policy_document', service).statement as Block[]) ?? []
      const granted = new Set(statements.flatMap((st) => st.actions as string[]))
      const missing = [...needed.keys()]
        .filter((a) => !granted.has(a))
        .map((a) => `${a} (${needed.get(a)?.[0]})`)
      const extra = [...granted].filter((a) => !needed.has(a))
      expect({ service, missing, extra }).toEqual({ service, missing: [], extra: [] })
    }
  })

  it('scopes every application statement to named resources (no wildcard actions or resources)', () => {
    for (const name of appPolicies) {
      for (const st of m.data('aws_iam_policy_document', name).statement as Block[]) {
        for (const action of st.actions as string[]) expect(action, name).not.toMatch(/\*/)
        expect(st.resources, name).not.toContain('*')
        expect(JSON.stringify(st.resources), name).toMatch(
          /aws_(s3_bucket|sqs_queue|dynamodb_table|sesv2_email_identity)\./,
        )
      }
    }
  })

  it('attaches to task roles only the application policy and the collector policy', () => {
    const onTaskRoles = m
      .resources('aws_iam_role_policy')
      .filter(([, p]) => String(p.role).includes('aws_iam_role.task['))
      .map(([name, p]) => [name, p.policy])
      .sort()
    expect(onTaskRoles).toEqual([
      ['collector', '${data.aws_iam_policy_document.collector.json}'],
      ['task', expect.stringContaining('data.aws_iam_policy_document.gateway.json')],
    ])
    expect(
      m.resources('aws_iam_role_policy_attachment').every(([, a]) => !String(a.role).includes('task')),
    ).toBe(true)
    const collector = m.data('aws_iam_policy_document', 'collector')
    const actions = JSON.stringify(collector)
      .match(/"(xray|logs|[a-z0-9]+):[A-Za-z]+"/g)
      ?.map((a) => a.replaceAll('"', ''))
    expect(new Set(actions)).toEqual(
      new Set([
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'logs:PutLogEvents',
        'logs:CreateLogStream',
        'logs:DescribeLogStreams',
      ]),
    )
  })

  it('lets each execution role fetch only its own service secrets', () => {
    const doc = m.data('aws_iam_policy_document', 'execution_secrets')
    expect(doc.for_each).toBe('${local.services}')
    expect(JSON.stringify(doc.statement)).toContain('concat(each.value.secrets, each.value.optional_secrets)')
    expect(m.resource('aws_iam_role_policy', 'execution_secrets').role).toBe(
      '${aws_iam_role.execution[each.key].id}',
    )
  })

  it('sends account email from a verified SES identity the gateway may use, and nothing else', () => {
    expect(m.resource('aws_sesv2_email_identity', 'sender').email_identity).toBe('${var.ses_identity}')
    const ses = (m.data('aws_iam_policy_document', 'gateway').statement as Block[]).filter((st) =>
      (st.actions as string[]).some((a) => a.startsWith('ses:')),
    )
    for (const st of ses) expect(st.resources).toEqual(['${aws_sesv2_email_identity.sender.arn}'])
  })
})

describe('infra: network', () => {
  const groupOf = (expr: unknown, key: string | undefined): string => {
    const e = String(expr)
    let r = /^\$\{aws_security_group\.([a-z_]+)\.id\}$/.exec(e)
    if (r?.[1]) return r[1]
    r = /^\$\{aws_security_group\.tasks\["([a-z]+)"\]\.id\}$/.exec(e)
    if (r?.[1]) return r[1]
    if (e === '${aws_security_group.tasks[each.key].id}' && key) return key
    throw new Error(`cannot name the security group ${e}`)
  }
  const edges = (type: string) =>
    m.resources(type).flatMap(([name, rule]) => {
      if (String(rule.for_each ?? '').includes('var.jaeger_cidr_blocks')) return [] // checked below
      const keys = rule.for_each === undefined ? [undefined] : m.forEachKeys(rule.for_each)
      return keys.map((key) => {
        const self = groupOf(rule.security_group_id, key)
        const other =
          rule.cidr_ipv4 !== undefined
            ? rule.cidr_ipv4 === '0.0.0.0/0'
              ? 'internet'
              : String(rule.cidr_ipv4)
            : groupOf(rule.referenced_security_group_id, key)
        const ports =
          rule.from_port === rule.to_port ? `${rule.from_port}` : `${rule.from_port}-${rule.to_port}`
        expect(rule.ip_protocol, `${type}.${name}`).toBe('tcp')
        return type.includes('ingress') ? `${other} -> ${self}:${ports}` : `${self} -> ${other}:${ports}`
      })
    })

  it('admits exactly internet -> ALB -> web/gateway/uploads, gateway -> sessions, gateway/sessions -> Redis', () => {
    expect(m.resources('aws_security_group_rule')).toEqual([])
    for (const [name, group] of m.resources('aws_security_group')) {
      expect(group.ingress, name).toBeUndefined()
      expect(group.egress, name).toBeUndefined()
    }
    const port = (s: string) => services()[s]?.port
    expect(edges('aws_vpc_security_group_ingress_rule').sort()).toEqual(
      [
        'internet -> alb:443',
        'internet -> alb:80',
        'alb -> web:8080',
        `alb -> gateway:${port('gateway')}`,
        `alb -> uploads:${port('uploads')}`,
        `gateway -> sessions:${port('sessions')}`,
        'gateway -> redis:6379',
        'sessions -> redis:6379',
      ].sort(),
    )
  })

  it('restricts egress to the internal edges above and HTTPS (plus an opt-in Jaeger port)', () => {
    const ingress = new Set(edges('aws_vpc_security_group_ingress_rule'))
    for (const edge of edges('aws_vpc_security_group_egress_rule')) {
      if (edge.endsWith('-> internet:443')) continue
      expect(ingress, edge).toContain(edge)
    }
    const jaeger = m.resource('aws_vpc_security_group_egress_rule', 'tasks_jaeger')
    expect(jaeger.from_port).toBe('${local.jaeger_port}')
    expect(String(jaeger.for_each)).toContain('var.jaeger_cidr_blocks')
    expect(m.variable('jaeger_cidr_blocks').default).toEqual([])
  })

  it('puts each ECS service in its own security group and Redis in its own', () => {
    const service = m.resource('aws_ecs_service', 'services')
    expect((service.network_configuration as Block[])[0]?.security_groups).toEqual([
      '${aws_security_group.tasks[each.key].id}',
    ])
    expect((service.network_configuration as Block[])[0]?.assign_public_ip).toBe(false)
    expect(m.resource('aws_elasticache_replication_group', 'redis').security_group_ids).toEqual([
      '${aws_security_group.redis.id}',
    ])
    expect(m.forEachKeys(m.locals.task_groups).sort()).toEqual(m.forEachKeys(m.locals.ecs_services).sort())
  })

  it('trusts X-Forwarded-For only from the load balancer subnets', () => {
    expect(services().gateway?.env.TRUSTED_PROXIES).toBe('${join(",", aws_subnet.public[*].cidr_block)}')
    expect(m.resource('aws_lb', 'main').subnets).toBe('${aws_subnet.public[*].id}')
  })

  it('logs every VPC flow', () => {
    expect(m.resource('aws_flow_log', 'vpc')).toMatchObject({
      vpc_id: '${aws_vpc.main.id}',
      traffic_type: 'ALL',
    })
  })
})

describe('infra: load balancer and services', () => {
  it('serves the web app by default, /api from the gateway and chunk PUTs from uploads', () => {
    const https = m.resource('aws_lb_listener', 'https')
    expect((https.default_action as Block[])[0]?.target_group_arn).toBe(
      '${aws_lb_target_group.http["web"].arn}',
    )
    const rules = m.resources('aws_lb_listener_rule').map(([name, r]) => ({
      name,
      target: (r.action as Block[])[0]?.target_group_arn,
      paths: JSON.stringify(r.condition),
    }))
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          target: '${aws_lb_target_group.http["gateway"].arn}',
          paths: expect.stringContaining('"/api/*"'),
        }),
        expect.objectContaining({
          target: '${aws_lb_target_group.http["uploads"].arn}',
          paths: expect.stringContaining('/api/v1/uploads/*/chunks/*'),
        }),
      ]),
    )
    const priority = (tg: string) =>
      Number(
        m
          .resources('aws_lb_listener_rule')
          .find(
            ([, r]) =>
              (r.action as Block[])[0]?.target_group_arn === `\${aws_lb_target_group.http["${tg}"].arn}`,
          )?.[1].priority,
      )
    expect(priority('uploads')).toBeLessThan(priority('gateway'))
  })

  it('creates every ECS service after the listener and rules that attach its target group', () => {
    const service = m.resource('aws_ecs_service', 'services')
    const dependsOn = service.depends_on as string[]
    for (const [name] of m.resources('aws_lb_listener_rule'))
      expect(dependsOn).toContain(`\${aws_lb_listener_rule.${name}}`)
    expect(dependsOn).toContain('${aws_lb_listener.https}')
    expect(m.forEachKeys(service.for_each).sort()).toEqual(['gateway', 'sessions', 'uploads', 'web'])
  })

  it('autoscales every service', () => {
    const target = m.resource('aws_appautoscaling_target', 'services')
    expect(m.forEachKeys(target.for_each).sort()).toEqual(
      m.forEachKeys(m.resource('aws_ecs_service', 'services').for_each).sort(),
    )
    expect(target.resource_id).toMatch(/^service\/\$\{aws_ecs_cluster\.main\.name\}\//)
    expect(m.resource('aws_appautoscaling_policy', 'cpu').for_each).toBe(
      '${aws_appautoscaling_target.services}',
    )
    expect(JSON.stringify(m.resource('aws_appautoscaling_policy', 'sessions_backlog'))).toContain(
      'ApproximateNumberOfMessagesVisible',
    )
    expect(Object.keys(m.variable('scaling').default as Block).sort()).toEqual([
      'gateway',
      'sessions',
      'uploads',
      'web',
    ])
  })

  it('registers sessions tasks as multivalue DNS records for the gateway to balance over', () => {
    const discovery = (m.resource('aws_service_discovery_service', 'sessions').dns_config as Block[])[0]
    expect(discovery?.routing_policy).toBe('MULTIVALUE')
    expect(services().gateway?.env.SESSIONS_GRPC_URL).toMatch(/^sessions\.\$\{.+\}:3102$/)
  })

  it('terminates TLS with a current policy, redirects plain HTTP and keeps access logs', () => {
    expect(String(m.resource('aws_lb_listener', 'https').ssl_policy)).toMatch(/TLS13/)
    expect(JSON.stringify(m.resource('aws_lb_listener', 'http_redirect'))).toContain('HTTP_301')
    expect((m.resource('aws_lb', 'main').access_logs as Block[])[0]).toMatchObject({
      bucket: '${aws_s3_bucket.logs.id}',
      enabled: true,
    })
  })
})

describe('infra: storage and state', () => {
  it('denies non-TLS access, blocks public access and encrypts every bucket', () => {
    for (const [name] of m.resources('aws_s3_bucket')) {
      const ref = `\${aws_s3_bucket.${name}.id}`
      const policy = m.resources('aws_s3_bucket_policy').find(([, p]) => p.bucket === ref)?.[1]
      expect(policy, name).toBeDefined()
      const doc = m.data(
        'aws_iam_policy_document',
        String(policy?.policy).replace(/^\$\{data\.aws_iam_policy_document\.([a-z_]+)\.json\}$/, '$1'),
      )
      const deny = (doc.statement as Block[]).find((st) => st.effect === 'Deny')
      expect(JSON.stringify(deny), name).toContain('aws:SecureTransport')
      expect(
        m.resources('aws_s3_bucket_public_access_block').some(([, b]) => b.bucket === ref),
        name,
      ).toBe(true)
      expect(
        m.resources('aws_s3_bucket_server_side_encryption_configuration').some(([, b]) => b.bucket === ref),
        name,
      ).toBe(true)
    }
  })

  it('declares an encrypted, locked S3 remote state backend (partial configuration)', () => {
    const backend = (m.tf.terraform[0]?.backend as Record<string, Block[]>)?.s3?.[0]
    expect(backend).toMatchObject({ encrypt: true, use_lockfile: true })
    expect(readFileSync(join(repoRoot, 'infra', 'backend.hcl.example'), 'utf8')).toMatch(/bucket\s*=/)
  })
})

describe('infra: observability', () => {
  it('runs a pinned collector sidecar exporting traces to Jaeger or X-Ray and metrics to CloudWatch', () => {
    const collector = m.locals.collector_container as Block
    expect(collector.image).toMatch(
      /^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/,
    )
    const exporters = String(m.locals.trace_exporters)
    expect(exporters).toContain('"otlphttp/jaeger" = { endpoint = var.jaeger_otlp_endpoint }')
    expect(exporters).toContain('awsxray')
    expect(m.variable('tracing').default).toBe('xray')
    expect(commonEnv().OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:4318')
    for (const [name, def] of m.resources('aws_ecs_task_definition')) {
      if (name === 'services')
        expect(String(def.container_definitions)).toContain('local.collector_container')
    }
  })

  it('alarms on oldest chunk event age, 5xx share, failed finalizations and the dead-letter queue', () => {
    const alarms = m.resources('aws_cloudwatch_metric_alarm').map(([, a]) => JSON.stringify(a))
    const has = (...needles: string[]) => alarms.some((a) => needles.every((n) => a.includes(n)))
    expect(has('ApproximateAgeOfOldestMessage', 'aws_sqs_queue.chunk_events.name')).toBe(true)
    expect(has('ApproximateNumberOfMessagesVisible', 'aws_sqs_queue.chunk_events_dlq.name')).toBe(true)
    expect(has('HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'RequestCount')).toBe(true)
    expect(has('aws_cloudwatch_log_metric_filter.finalization_failed')).toBe(true)
    for (const [name, a] of m.resources('aws_cloudwatch_metric_alarm')) {
      expect(a.alarm_actions, name).toEqual(['${aws_sns_topic.alarms.arn}'])
    }
  })

  it('counts failed finalizations from the log line the sessions service writes', () => {
    const pattern = String(m.resource('aws_cloudwatch_log_metric_filter', 'finalization_failed').pattern)
    const message = /\$\.msg = "([^"]+)"/.exec(pattern)?.[1]
    expect(message).toBeDefined()
    const finalizer = readFileSync(join(repoRoot, 'services/sessions/src/uploads/Finalizer.ts'), 'utf8')
    expect(finalizer).toContain(`'${message}')`)
  })
})
