import type { UploadSnapshot } from '@lfusys/upload-client'

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes(n: number): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v : v.toFixed(1)} ${UNITS[u]}`
}

function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--'
  const t = Math.round(s)
  return t < 60 ? `${t}s` : `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`
}

/**
 * One redrawn line on a terminal; on a pipe (CI, tests) one line per phase change instead, so
 * logs stay readable.
 */
export class ProgressBar {
  readonly #out: NodeJS.WriteStream
  readonly #tty: boolean
  #lastPhase = ''
  #lastDraw = 0

  constructor(out: NodeJS.WriteStream) {
    this.#out = out
    this.#tty = out.isTTY === true
  }

  update(s: UploadSnapshot): void {
    const phaseChanged = s.phase !== this.#lastPhase
    this.#lastPhase = s.phase
    if (!this.#tty) {
      if (phaseChanged) this.#out.write(`${s.phase}${s.uploadId ? ` ${s.uploadId}` : ''}\n`)
      return
    }
    const now = Date.now()
    if (!phaseChanged && now - this.#lastDraw < 100) return
    this.#lastDraw = now
    const hashing = s.phase === 'hashing'
    const done = hashing ? s.hashedBytes : s.uploadedBytes
    const ratio = s.totalBytes > 0 ? done / s.totalBytes : 1
    const width = 28
    const filled = Math.round(ratio * width)
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`
    const rate =
      s.bytesPerSecond === undefined
        ? ''
        : ` ${formatBytes(s.bytesPerSecond)}/s ETA ${formatEta(s.etaSeconds)}`
    const line = `${s.phase.padEnd(10)} [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${formatBytes(done)}/${formatBytes(s.totalBytes)}${rate}`
    this.#out.write(`\r${line.padEnd(100)}`)
  }

  end(): void {
    if (this.#tty) this.#out.write('\n')
  }
}
