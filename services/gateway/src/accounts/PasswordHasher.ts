import { hash, verify } from '@node-rs/argon2'

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. @node-rs/argon2 defaults to argon2id. */
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@lfusys/contracts'

export class PasswordHasher {
  private dummyHash: Promise<string> | undefined

  hash(password: string): Promise<string> {
    return hash(password, options)
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password)
    } catch {
      return false
    }
  }

  /**
   * Spends the same work as a real verification, for unknown users and password-less accounts, so the
   * response time does not tell whether an email has an account.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hash('lfusys-dummy-password-for-timing', options)
    await this.verify(await this.dummyHash, password)
    return false
  }
}
