export { currentTraceparent, linkFromTraceparent, withLinkedSpan } from './links.ts'
export { startTelemetry, type Telemetry, type TelemetryOptions } from './startTelemetry.ts'
