/**
 * DynamoDB key layout of the uploads table (see docs/data-model.md). Numbers in sort keys are
 * zero-padded so string order is numeric order.
 */
export const pad = (n: number, width = 15) => String(Math.max(0, Math.floor(n))).padStart(width, '0')

export const uploadPk = (uploadId: string) => `UPLOAD#${uploadId}`
export const SESSION_SK = 'SESSION'
/** A creation's Idempotency-Key, per user: which upload it created. */
export const idempotencyPk = (userId: string, key: string) => `IDEMPOTENCY#${userId}#${key}`
export const IDEMPOTENCY_SK = 'IDEMPOTENCY'
export const chunkSk = (index: number) => `CHUNK#${String(index).padStart(5, '0')}`
export const CHUNK_SK_PREFIX = 'CHUNK#'
/** gsi1: a user's unfinished uploads, newest first. Removed when the upload ends. */
export const activeUploadsPk = (userId: string) => `USER#${userId}#ACTIVE`
/** gsi2: sessions the sweeper must look at: unfinished ones by expiry, ended ones with chunks left. */
export const SWEEP_ACTIVE = 'SWEEP#ACTIVE'
export const SWEEP_CLEANUP = 'SWEEP#CLEANUP'
