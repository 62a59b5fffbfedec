/**
 * A multipart upload is stored with the session as `<object key> <upload id>`: aborting one needs
 * both, and object keys never contain spaces.
 */
export function formatMultipartRef(objectKey: string, multipartUploadId: string): string {
  return `${objectKey} ${multipartUploadId}`
}

export function parseMultipartRef(ref: string): { objectKey: string; multipartUploadId: string } | undefined {
  const space = ref.indexOf(' ')
  if (space <= 0 || space === ref.length - 1) return undefined
  return { objectKey: ref.slice(0, space), multipartUploadId: ref.slice(space + 1) }
}
