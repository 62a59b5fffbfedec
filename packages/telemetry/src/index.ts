export { countRefusal, meters, observeGauge } from './metrics.ts'
export { TRACE_CLAIM, UploadTokenPropagator } from './propagation.ts'
export { setPseudonymKey, userPseudonym } from './pseudonym.ts'
export {
  annotate,
  attr,
  currentTraceparent,
  type MessageTrace,
  nameHttpRoute,
  untraced,
  withMessageSpan,
  withUploadSpan,
} from './spans.ts'
export { startTelemetry, type Telemetry, type TelemetryOptions } from './startTelemetry.ts'

/**
 * Flushes and stops the SDK the `--import` entry started (a no-op when the process was started
 * without it), bounded so a collector that is away cannot hold the exit.
 */
export async function shutdownTelemetry(timeoutMs = 2000): Promise<void> {
  const telemetry = (globalThis as { [key: symbol]: { shutdown(): Promise<void> } | undefined })[
    Symbol.for('lfusys.telemetry')
  ]
  if (!telemetry) return
  await Promise.race([telemetry.shutdown(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())])
}
