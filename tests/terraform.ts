// Reading infra/*.tf without a terraform binary: the HCL is parsed by HashiCorp's Go parser compiled
// to WASM (@cdktf/hcl2json), and the little evaluation the checks need (locals, for_each keys,
// name templates) is done here. Anything it cannot evaluate is an error, never a silent pass.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from '@cdktf/hcl2json'
import { repoRoot } from './envExample.ts'

export type Block = Record<string, unknown>
export interface Terraform {
  terraform: Block[]
  resource: Record<string, Record<string, Block[]>>
  data: Record<string, Record<string, Block[]>>
  locals: Block[]
  variable: Record<string, Block[]>
  output: Record<string, Block[]>
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

export const infraDir = join(repoRoot, 'infra')

export function infraSources(): { file: string; text: string }[] {
  return readdirSync(infraDir)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(infraDir, file), 'utf8') }))
}

export async function loadTerraform(): Promise<Terraform> {
  const all: Record<string, unknown> = { resource: {}, data: {}, locals: [], variable: {}, output: {} }
  for (const { file, text } of infraSources()) merge(all, await parse(file, text))
  return all as unknown as Terraform
}

export class Model {
  readonly tf: Terraform
  readonly locals: Record<string, unknown>
  constructor(tf: Terraform) {
    this.tf = tf
    this.locals = Object.assign({}, ...tf.locals) as Record<string, unknown>
  }

  resource(type: string, name: string): Block {
    const block = this.tf.resource[type]?.[name]?.[0]
    if (!block) throw new Error(`no resource ${type}.${name}`)
    return block
  }

  data(type: string, name: string): Block {
    const block = this.tf.data[type]?.[name]?.[0]
    if (!block) throw new Error(`no data ${type}.${name}`)
    return block
  }

  variable(name: string): Block {
    const block = this.tf.variable[name]?.[0]
    if (!block) throw new Error(`no variable ${name}`)
    return block
  }

  /** Every resource of a type, as [name, block]. */
  resources(type: string): [string, Block][] {
    return Object.entries(this.tf.resource[type] ?? {}).map(([name, blocks]) => [name, blocks[0] as Block])
  }

  /** Keys a for_each expression produces, for the forms this repository uses. */
  forEachKeys(expr: unknown): string[] {
    if (expr && typeof expr === 'object' && !Array.isArray(expr)) return Object.keys(expr)
    if (Array.isArray(expr)) return expr.map(String)
    if (typeof expr !== 'string') throw new Error(`cannot evaluate for_each ${JSON.stringify(expr)}`)
    const inner = /^\$\{([\s\S]*)\}$/.exec(expr.trim())?.[1]?.trim()
    if (inner === undefined) throw new Error(`cannot evaluate for_each ${expr}`)
    return this.#keysOf(inner)
  }

  #keysOf(e: string): string[] {
    let m = /^toset\(([\s\S]*)\)$/.exec(e)
    if (m?.[1]) return [...new Set(this.#keysOf(m[1].trim()))]
    m = /^keys\(([\s\S]*)\)$/.exec(e)
    if (m?.[1]) return this.#keysOf(m[1].trim())
    m = /^setunion\(([\s\S]*)\)$/.exec(e)
    if (m?.[1]) {
      const args = splitTopLevel(m[1])
      return [...new Set(args.flatMap((a) => this.#keysOf(a.trim())))]
    }
    // A list literal, or concat() of conditional lists: every name it may contain.
    if (e.startsWith('[') || e.startsWith('concat('))
      return [...e.matchAll(/"([^"]+)"/g)].map((x) => x[1] as string)
    m = /^local\.([a-z_]+)$/.exec(e)
    if (m?.[1]) return this.forEachKeys(this.locals[m[1]])
    m = /^(aws_[a-z0-9_]+)\.([a-z0-9_]+)$/.exec(e)
    if (m?.[1] && m[2]) return this.forEachKeys(this.resource(m[1], m[2]).for_each)
    throw new Error(`cannot evaluate for_each expression ${e}`)
  }
}

/** Splits "a, [b, c], d" at top-level commas. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if ('([{'.includes(ch)) depth++
    if (')]}'.includes(ch)) depth--
    if (ch === ',' && depth === 0) {
      out.push(current)
      current = ''
    } else current += ch
  }
  if (current.trim()) out.push(current)
  return out.map((s) => s.trim()).filter(Boolean)
}

/**
 * Replaces every ${...} in a template using `resolve`; a reference it does not know throws, so a new
 * reference in a checked place must be taught here rather than silently passing.
 */
export function interpolate(template: string, resolve: (expr: string) => string | undefined): string {
  let out = ''
  let i = 0
  while (i < template.length) {
    const start = template.indexOf('${', i)
    if (start < 0) {
      out += template.slice(i)
      break
    }
    out += template.slice(i, start)
    let depth = 0
    let end = start + 2
    for (; end < template.length; end++) {
      const ch = template[end]
      if (ch === '{') depth++
      else if (ch === '}') {
        if (depth === 0) break
        depth--
      }
    }
    const expr = template.slice(start + 2, end).trim()
    const value = resolve(expr)
    if (value === undefined) throw new Error(`cannot evaluate \${${expr}} in "${template}"`)
    out += value
    i = end + 1
  }
  return out
}
