import type { FileRecord } from '@lfusys/upload-client'
import { describe, expect, it } from 'vitest'
import { fileKind, nextSort, visibleFiles } from './fileList.ts'

function file(name: string, size: number, createdAt: string, contentType = 'application/octet-stream') {
  const f: FileRecord = {
    id: `id-${name}`,
    name,
    size,
    contentType,
    contentHash: 'a'.repeat(64),
    createdAt,
    ownerId: 'u1',
  }
  return f
}

const files = [
  file('report-10.pdf', 300, '2026-11-02T10:00:00Z', 'application/pdf'),
  file('Report-9.pdf', 100, '2026-11-03T10:00:00Z', 'application/pdf'),
  file('café.jpg', 200, '2026-11-01T10:00:00Z', 'image/jpeg'),
  file('backup.tar.gz', 5000, '2026-11-04T10:00:00Z'),
]
const names = (list: FileRecord[]) => list.map((f) => f.name)

describe('files list', () => {
  it('sorts by name (natural, case-insensitive), size and date, both ways', () => {
    expect(names(visibleFiles(files, '', { key: 'name', dir: 'asc' }))).toEqual([
      'backup.tar.gz',
      'café.jpg',
      'Report-9.pdf',
      'report-10.pdf',
    ])
    expect(names(visibleFiles(files, '', { key: 'size', dir: 'desc' }))).toEqual([
      'backup.tar.gz',
      'report-10.pdf',
      'café.jpg',
      'Report-9.pdf',
    ])
    expect(names(visibleFiles(files, '', { key: 'date', dir: 'asc' }))).toEqual([
      'café.jpg',
      'report-10.pdf',
      'Report-9.pdf',
      'backup.tar.gz',
    ])
  })

  it('filters by name, ignoring case and accents, without touching the input', () => {
    expect(names(visibleFiles(files, ' REPORT ', { key: 'name', dir: 'asc' }))).toEqual([
      'Report-9.pdf',
      'report-10.pdf',
    ])
    expect(names(visibleFiles(files, 'cafe', { key: 'name', dir: 'asc' }))).toEqual(['café.jpg'])
    expect(visibleFiles(files, 'nothing', { key: 'name', dir: 'asc' })).toEqual([])
    expect(names(files)[0]).toBe('report-10.pdf')
  })

  it('flips the sorted column and starts others in their natural order', () => {
    expect(nextSort({ key: 'date', dir: 'desc' }, 'date')).toEqual({ key: 'date', dir: 'asc' })
    expect(nextSort({ key: 'date', dir: 'desc' }, 'name')).toEqual({ key: 'name', dir: 'asc' })
    expect(nextSort({ key: 'name', dir: 'asc' }, 'size')).toEqual({ key: 'size', dir: 'desc' })
  })

  it('tells the kind from the media type, or the extension when the type is generic', () => {
    expect(fileKind({ name: 'x.bin', contentType: 'image/png' })).toBe('image')
    expect(fileKind({ name: 'movie.mkv', contentType: 'application/octet-stream' })).toBe('video')
    expect(fileKind({ name: 'backup.tar.gz', contentType: 'application/octet-stream' })).toBe('archive')
    expect(fileKind({ name: 'notes', contentType: 'text/plain' })).toBe('text')
    expect(fileKind({ name: 'data.bin', contentType: 'application/octet-stream' })).toBe('other')
    expect(fileKind({ name: 'a.pdf', contentType: 'application/pdf' })).toBe('document')
  })
})
