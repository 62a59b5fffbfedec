import type { ResumeRecord } from '@lfusys/upload-client'

/**
 * Unfinished uploads survive a reload or a browser restart in IndexedDB: the session id, the chunk
 * plan, every chunk digest (so resuming needs no full re-hash) and, where the browser allows it, a
 * FileSystemFileHandle so the user need not pick the file again.
 */
export interface StoredUpload extends ResumeRecord {
  userId: string
  handle?: FileSystemFileHandle
}

const DB = 'lfusys'
const STORE = 'uploads'

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1)
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STORE, { keyPath: 'uploadId' })
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

async function run<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb()
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const req = fn(tx.objectStore(STORE))
      tx.oncomplete = () => resolve(req.result)
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error)
    })
  } finally {
    db.close()
  }
}

function isStoredUpload(value: unknown): value is StoredUpload {
  return (
    typeof value === 'object' &&
    value !== null &&
    'uploadId' in value &&
    typeof value.uploadId === 'string' &&
    'userId' in value &&
    typeof value.userId === 'string' &&
    'fileSize' in value &&
    typeof value.fileSize === 'number' &&
    'chunkCount' in value &&
    typeof value.chunkCount === 'number' &&
    'digests' in value &&
    Array.isArray(value.digests)
  )
}

export async function saveUpload(record: StoredUpload): Promise<void> {
  try {
    await run('readwrite', (s) => s.put(record))
  } catch (err) {
    // A browser without IndexedDB (private mode in some) still uploads; it only cannot resume.
    console.warn('could not remember the upload for resuming', err)
  }
}

export async function forgetUpload(uploadId: string): Promise<void> {
  await run('readwrite', (s) => s.delete(uploadId)).catch(() => undefined)
}

export async function listUploads(userId: string): Promise<StoredUpload[]> {
  try {
    const all = await run<unknown[]>('readonly', (s) => s.getAll())
    return all.filter(isStoredUpload).filter((r) => r.userId === userId)
  } catch {
    return []
  }
}
