/** Chunk buffers held by the PATCH requests of this process: bounded, over it a PATCH gets 503. */
export class MemoryBudget {
  #used = 0
  readonly #limit: number
  constructor(limit: number) {
    this.#limit = limit
  }
  get used(): number {
    return this.#used
  }
  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.#limit) return false
    this.#used += bytes
    return true
  }
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes)
  }
}
