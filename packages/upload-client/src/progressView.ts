import type { UploadPhase, UploadSnapshot } from './UploadTask.ts'

/** What a person is told an upload is doing; `finalizing` is shown as assembling. */
export type ProgressStage =
  | 'waiting'
  | 'hashing'
  | 'starting'
  | 'uploading'
  | 'paused'
  | 'assembling'
  | 'complete'
  | 'duplicate'
  | 'failed'
  | 'cancelled'

export interface ProgressView {
  stage: ProgressStage
  /** The stage as a word for people: "Hashing", "Uploading", "Assembling", "Complete"... */
  label: string
  /** Share of the bar that is done (0-1): hashed bytes while hashing, stored chunks after. */
  done: number
  /** Share of the bar for bytes on the wire whose chunks are not stored yet (0-1, after `done`). */
  inflight: number
  /** Whole percent of `done`; 100 only when every chunk is stored. */
  percent: number
}

const STAGES: Record<UploadPhase, ProgressStage> = {
  idle: 'waiting',
  hashing: 'hashing',
  creating: 'starting',
  uploading: 'uploading',
  paused: 'paused',
  finalizing: 'assembling',
  complete: 'complete',
  duplicate: 'duplicate',
  failed: 'failed',
  cancelled: 'cancelled',
}

const LABELS: Record<ProgressStage, string> = {
  waiting: 'Waiting',
  hashing: 'Hashing',
  starting: 'Starting',
  uploading: 'Uploading',
  paused: 'Paused',
  assembling: 'Assembling',
  complete: 'Complete',
  duplicate: 'Already uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

function ratio(part: number, whole: number): number {
  if (whole <= 0) return 0
  return Math.min(1, Math.max(0, part / whole))
}

/** The one reading of a snapshot that the web app and the CLI both show. */
export function describeProgress(s: UploadSnapshot): ProgressView {
  const stage = s.paused && !isFinal(s.phase) ? 'paused' : STAGES[s.phase]
  let done: number
  let inflight = 0
  if (stage === 'hashing') {
    done = s.totalBytes > 0 ? ratio(s.hashedBytes, s.totalBytes) : 0
  } else if (stage === 'complete' || stage === 'duplicate') {
    done = 1
  } else if (s.totalBytes === 0) {
    // A 0-byte file is one empty chunk: count chunks, since bytes cannot move.
    done = ratio(s.chunksDone, s.chunkCount)
  } else {
    done = ratio(s.storedBytes, s.totalBytes)
    inflight = Math.min(1 - done, ratio(s.inflightBytes, s.totalBytes))
  }
  return { stage, label: LABELS[stage], done, inflight, percent: Math.floor(done * 100) }
}

function isFinal(phase: UploadPhase): boolean {
  return phase === 'complete' || phase === 'duplicate' || phase === 'failed' || phase === 'cancelled'
}
