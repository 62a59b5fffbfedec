/** Random access to the bytes of the file being uploaded; only one chunk is ever read at once. */
export interface ChunkSource {
  readonly name: string
  readonly size: number
  readonly type: string
  /** Milliseconds since the epoch, when known (part of the resume fingerprint). */
  readonly lastModified?: number
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array<ArrayBuffer>>
  /** The underlying Blob in browsers, so a Web Worker can read it without copying it here. */
  readonly blob?: Blob
  close?(): Promise<void>
}

/** A browser File (or any Blob): `slice` is lazy, so only the requested range is read. */
export function blobSource(blob: Blob, name = blob instanceof File ? blob.name : 'blob'): ChunkSource {
  return {
    name,
    size: blob.size,
    type: blob.type || 'application/octet-stream',
    lastModified: blob instanceof File ? blob.lastModified : undefined,
    blob,
    async read(start, end) {
      return new Uint8Array(await blob.slice(start, end).arrayBuffer())
    },
  }
}
