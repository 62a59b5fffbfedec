import type { FileKind } from './fileList.ts'

const LABELS: Record<FileKind, string> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  archive: 'Archive',
  document: 'Document',
  text: 'Text',
  code: 'Code or data',
  other: 'File',
}

// One outline per kind, drawn on a 24-unit grid (stroke icons in the style of Heroicons).
const PATHS: Record<FileKind, string> = {
  image:
    'M4 16l4.6-4.6a2 2 0 012.8 0L16 16m-2-2l1.6-1.6a2 2 0 012.8 0L20 14M14 8h.01M6 20h12a2 2 0 002-2V6a2 2 0 00-2-2H6a2 2 0 00-2 2v12a2 2 0 002 2z',
  video:
    'M15 10l4.55-2.28A1 1 0 0121 8.62v6.76a1 1 0 01-1.45.9L15 14M5 18h8a2 2 0 002-2V8a2 2 0 00-2-2H5a2 2 0 00-2 2v8a2 2 0 002 2z',
  audio: 'M9 19V6l12-3v13M9 19a3 3 0 11-6 0 3 3 0 016 0zm12-3a3 3 0 11-6 0 3 3 0 016 0z',
  archive: 'M5 8h14M5 8a2 2 0 110-4h14a2 2 0 110 4M5 8v10a2 2 0 002 2h10a2 2 0 002-2V8m-9 4h4',
  document:
    'M9 12h6m-6 4h6m2 5H7a2 2 0 01-2-2V5a2 2 0 012-2h5.59a1 1 0 01.7.29l5.42 5.42a1 1 0 01.29.7V19a2 2 0 01-2 2z',
  text: 'M4 6h16M4 10h16M4 14h10M4 18h7',
  code: 'M10 20l4-16m4 4l4 4-4 4M6 16l-4-4 4-4',
  other:
    'M7 21h10a2 2 0 002-2V9.41a1 1 0 00-.29-.7l-5.42-5.42a1 1 0 00-.7-.29H7a2 2 0 00-2 2v14a2 2 0 002 2z',
}

/** A type icon with its kind as text for assistive technology (the picture alone says nothing). */
export function FileKindIcon({ kind }: { kind: FileKind }) {
  return (
    <span className="shrink-0 text-slate-500 dark:text-slate-400" data-testid="file-kind" data-kind={kind}>
      <svg
        aria-hidden="true"
        viewBox="0 0 24 24"
        className="h-5 w-5"
        fill="none"
        stroke="currentColor"
        strokeWidth={1.6}
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d={PATHS[kind]} />
      </svg>
      <span className="sr-only">{LABELS[kind]}: </span>
    </span>
  )
}
