import type { FileRecord } from '@lfusys/upload-client'

export type SortKey = 'name' | 'size' | 'date'
export type SortDir = 'asc' | 'desc'
export interface Sort {
  key: SortKey
  dir: SortDir
}

/** The kinds a type icon distinguishes. */
export type FileKind = 'image' | 'video' | 'audio' | 'archive' | 'document' | 'text' | 'code' | 'other'

const BY_EXTENSION: Record<string, FileKind> = {
  zip: 'archive',
  gz: 'archive',
  tgz: 'archive',
  bz2: 'archive',
  xz: 'archive',
  zst: 'archive',
  '7z': 'archive',
  rar: 'archive',
  tar: 'archive',
  iso: 'archive',
  pdf: 'document',
  doc: 'document',
  docx: 'document',
  odt: 'document',
  xls: 'document',
  xlsx: 'document',
  ods: 'document',
  ppt: 'document',
  pptx: 'document',
  txt: 'text',
  md: 'text',
  csv: 'text',
  log: 'text',
  json: 'code',
  ts: 'code',
  tsx: 'code',
  js: 'code',
  py: 'code',
  go: 'code',
  rs: 'code',
  sql: 'code',
  html: 'code',
  css: 'code',
  yml: 'code',
  yaml: 'code',
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  svg: 'image',
  heic: 'image',
  mp4: 'video',
  mov: 'video',
  mkv: 'video',
  webm: 'video',
  avi: 'video',
  mp3: 'audio',
  wav: 'audio',
  flac: 'audio',
  ogg: 'audio',
  m4a: 'audio',
}

/** The media type first (what the browser said at upload), the name's extension when it is generic. */
export function fileKind(file: Pick<FileRecord, 'name' | 'contentType'>): FileKind {
  const type = file.contentType.toLowerCase()
  const major = type.split('/')[0]
  if (major === 'image' || major === 'video' || major === 'audio') return major
  if (type === 'application/pdf') return 'document'
  if (/zip|gzip|x-tar|compressed|x-7z|x-xz|zstd/.test(type)) return 'archive'
  if (type === 'application/json' || type === 'text/javascript') return 'code'
  const dot = file.name.lastIndexOf('.')
  const byName = dot > 0 ? BY_EXTENSION[file.name.slice(dot + 1).toLowerCase()] : undefined
  if (byName) return byName
  if (major === 'text') return 'text'
  return 'other'
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/** Files whose name contains `query` (case- and accent-insensitive), in the order asked for. */
export function visibleFiles(files: readonly FileRecord[], query: string, sort: Sort): FileRecord[] {
  const q = fold(query.trim())
  const kept = q === '' ? [...files] : files.filter((f) => fold(f.name).includes(q))
  const sign = sort.dir === 'asc' ? 1 : -1
  const compare = (a: FileRecord, b: FileRecord): number => {
    switch (sort.key) {
      case 'name':
        return collator.compare(a.name, b.name)
      case 'size':
        return a.size - b.size
      case 'date':
        return Date.parse(a.createdAt) - Date.parse(b.createdAt)
    }
  }
  // Ties fall back to the name, then the id, so the order never shuffles between renders.
  return kept.sort(
    (a, b) => sign * compare(a, b) || collator.compare(a.name, b.name) || a.id.localeCompare(b.id),
  )
}

function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
}

/** Clicking the sorted column flips it; another column starts in its natural order. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
  return { key, dir: key === 'name' ? 'asc' : 'desc' }
}
