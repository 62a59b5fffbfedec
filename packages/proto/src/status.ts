import { FINAL_UPLOAD_STATUSES, UPLOAD_STATUSES, type UploadStatus } from '@lfusys/contracts'
import type { UploadStatus__Output } from './generated/lfusys/sessions/v1/UploadStatus.ts'

/** Upload lifecycle as the HTTP API and the domain spell it (design invariant 9): @lfusys/contracts. */
export type DomainUploadStatus = UploadStatus

const TO_PROTO: Readonly<Record<DomainUploadStatus, UploadStatus__Output>> = {
  created: 'UPLOAD_STATUS_CREATED',
  uploading: 'UPLOAD_STATUS_UPLOADING',
  finalizing: 'UPLOAD_STATUS_FINALIZING',
  complete: 'UPLOAD_STATUS_COMPLETE',
  failed: 'UPLOAD_STATUS_FAILED',
  cancelled: 'UPLOAD_STATUS_CANCELLED',
  expired: 'UPLOAD_STATUS_EXPIRED',
}

export const DOMAIN_STATUSES: readonly DomainUploadStatus[] = UPLOAD_STATUSES

export function protoStatusOf(value: DomainUploadStatus): UploadStatus__Output {
  return TO_PROTO[value]
}

/** Throws on UNSPECIFIED: the server always sets a status. */
export function domainStatusOf(value: UploadStatus__Output): DomainUploadStatus {
  for (const domain of DOMAIN_STATUSES) {
    if (TO_PROTO[domain] === value) return domain
  }
  throw new Error(`upload status ${value} has no domain equivalent`)
}

export function isFinalStatus(value: DomainUploadStatus): boolean {
  return FINAL_UPLOAD_STATUSES.has(value)
}
