import type { Caller, Upload } from '../uploads/types.ts'

/** An upload's tus state as the sessions service stores it (never kept in gateway memory). */
export interface TusState {
  upload: Upload
  /** Bytes stored: complete chunks as chunk objects, the rest in `stagingKey`. */
  offset: number
  /** The staging object with the bytes of the partial chunk below `offset`; '' when none. */
  stagingKey: string
  lockId: string
  lockExpiresAtMs: number
}

export interface TusLock {
  uploadId: string
  lockId: string
  leaseMs: number
}

/** The sessions RPCs behind the tus endpoint; each checks that the upload is the caller's own. */
export interface TusStateApi {
  startTusUpload(caller: Caller, uploadId: string): Promise<TusState>
  getTusState(caller: Caller, uploadId: string): Promise<TusState>
  lockTusUpload(caller: Caller, lock: TusLock & { offset: number }): Promise<TusState>
  advanceTusUpload(
    caller: Caller,
    lock: TusLock & { fromOffset: number; toOffset: number; stagingKey: string; unlock?: boolean },
  ): Promise<TusState>
  unlockTusUpload(caller: Caller, lock: Omit<TusLock, 'leaseMs'>): Promise<void>
}
