import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, describeEnv, envBoolean, envList, envPort, loadConfig } from './index.ts'

const schema = z.object({
  PORT: envPort(3000).describe('listen port'),
  DEBUG: envBoolean(false).describe('debug'),
  ORIGINS: envList(['http://a']).describe('origins'),
  SECRET: z.string().min(8).describe('secret'),
})

describe('loadConfig', () => {
  it('coerces, defaults and treats empty strings as unset', () => {
    const cfg = loadConfig(schema, {
      PORT: '',
      DEBUG: 'yes',
      SECRET: 'abcdefgh',
      ORIGINS: 'http://x, ,http://y',
    })
    expect(cfg).toEqual({ PORT: 3000, DEBUG: true, ORIGINS: ['http://x', 'http://y'], SECRET: 'abcdefgh' })
  })

  it('reports every problem by variable name', () => {
    let caught: unknown
    try {
      loadConfig(schema, { PORT: '70000', DEBUG: 'maybe' })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(ConfigError)
    const problems = (caught as ConfigError).problems.join('\n')
    expect(problems).toMatch(/^PORT: /m)
    expect(problems).toMatch(/^DEBUG: /m)
    expect(problems).toMatch(/^SECRET: /m)
  })

  it('ignores variables outside the schema', () => {
    expect(loadConfig(schema, { SECRET: '12345678', OTHER: 'x' })).not.toHaveProperty('OTHER')
  })

  it('describes variables with required flags and defaults', () => {
    const docs = describeEnv(schema)
    expect(docs.find((d) => d.name === 'SECRET')).toMatchObject({ required: true, description: 'secret' })
    expect(docs.find((d) => d.name === 'PORT')).toMatchObject({ required: false, defaultValue: '3000' })
  })
})
