import { describeProgress, type UploadSnapshot } from '@lfusys/upload-client'

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

export function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--'
  const t = Math.max(0, Math.ceil(s))
  if (t < 60) return `${t}s`
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`
}

/**
 * One terminal line: `#` for stored chunks, `=` for bytes on the wire not confirmed yet, then the
 * stage, the stored share, the chunk counter and the speed and ETA of stored bytes.
 */
export function renderProgressLine(s: UploadSnapshot, width = 28): string {
  const view = describeProgress(s)
  const filled = Math.floor(view.done * width)
  const flying = Math.min(width - filled, Math.round(view.inflight * width))
  const bar = `${'#'.repeat(filled)}${'='.repeat(flying)}${'.'.repeat(width - filled - flying)}`
  const parts = [`${view.label.padEnd(10)} [${bar}] ${String(view.percent).padStart(3)}%`]
  if (view.stage === 'hashing') {
    parts.push(`${formatBytes(s.hashedBytes)}/${formatBytes(s.totalBytes)} hashed`)
  } else if (s.chunkCount > 0 && view.stage !== 'duplicate') {
    parts.push(`${s.chunksDone}/${s.chunkCount} chunks`)
    parts.push(`${formatBytes(s.storedBytes)}/${formatBytes(s.totalBytes)} stored`)
  }
  if (view.stage === 'uploading') {
    parts.push(
      s.bytesPerSecond === undefined
        ? 'ETA estimating'
        : `${formatBytes(s.bytesPerSecond)}/s ETA ${formatEta(s.etaSeconds)}`,
    )
  }
  return parts.join(' ')
}

/**
 * One redrawn line on a terminal; on a pipe (CI, tests) one line per stage change instead, so
 * logs stay readable.
 */
export class ProgressBar {
  readonly #out: NodeJS.WriteStream
  readonly #tty: boolean
  #lastStage = ''
  #lastDraw = 0

  constructor(out: NodeJS.WriteStream) {
    this.#out = out
    this.#tty = out.isTTY === true
  }

  update(s: UploadSnapshot): void {
    const stage = describeProgress(s).stage
    const stageChanged = stage !== this.#lastStage
    this.#lastStage = stage
    if (!this.#tty) {
      if (stageChanged) this.#out.write(`${stage}${s.uploadId ? ` ${s.uploadId}` : ''}\n`)
      return
    }
    const now = Date.now()
    if (!stageChanged && now - this.#lastDraw < 100) return
    this.#lastDraw = now
    const columns = this.#out.columns ?? 100
    this.#out.write(
      `\r${renderProgressLine(s)
        .slice(0, columns - 1)
        .padEnd(Math.min(100, columns - 1))}`,
    )
  }

  end(): void {
    if (this.#tty) this.#out.write('\n')
  }
}
