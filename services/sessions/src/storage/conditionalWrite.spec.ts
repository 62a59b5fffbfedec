import { describe, expect, it } from 'vitest'
import { conditionHeld, refusedItems, unlessRefused } from './conditionalWrite.ts'

const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...extra })

describe('conditional writes', () => {
  it('answers the write, or undefined when its condition refused it', async () => {
    expect(await unlessRefused(Promise.resolve(3))).toBe(3)
    expect(await unlessRefused(Promise.reject(awsError('ConditionalCheckFailedException')))).toBeUndefined()
    await expect(unlessRefused(Promise.reject(awsError('ThrottlingException')))).rejects.toThrow(
      'ThrottlingException',
    )
    expect(await conditionHeld(Promise.resolve({}))).toBe(true)
    expect(await conditionHeld(Promise.reject(awsError('ConditionalCheckFailedException')))).toBe(false)
  })

  it('names the items of a cancelled transaction whose condition failed', () => {
    const err = awsError('TransactionCanceledException', {
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed' },
        { Code: 'TransactionConflict' },
      ],
    })
    expect([...refusedItems(err, ['session', 'key', 'quota'])]).toEqual(['key'])
    const other = awsError('ProvisionedThroughputExceededException')
    expect(() => refusedItems(other, ['session'])).toThrow(other)
  })
})
