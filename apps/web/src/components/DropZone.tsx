import { type DragEvent, useId, useRef, useState } from 'react'

export interface DroppedFile {
  file: File
  /** A handle to the file where the browser gives one (Chromium), kept for resuming after a restart. */
  handle?: FileSystemFileHandle
}

type ItemWithHandle = DataTransferItem & { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> }

async function fromDrop(e: DragEvent<HTMLElement>): Promise<DroppedFile[]> {
  const items = Array.from(e.dataTransfer.items).filter((i) => i.kind === 'file')
  // Handles must be requested synchronously inside the drop event; awaited afterwards.
  const pending = items.map((item: ItemWithHandle) => ({
    file: item.getAsFile(),
    handle: item.getAsFileSystemHandle?.().catch(() => null) ?? Promise.resolve(null),
  }))
  const out: DroppedFile[] = []
  for (const p of pending) {
    if (!p.file) continue
    const handle = await p.handle
    if (handle && handle.kind === 'file' && handle instanceof FileSystemFileHandle)
      out.push({ file: p.file, handle })
    else out.push({ file: p.file })
  }
  return out
}

export function DropZone({
  onFiles,
  label = 'Drop files here',
  hint = 'or choose files from your device. Any size, several at once.',
  multiple = true,
}: {
  onFiles: (files: DroppedFile[]) => void
  label?: string
  hint?: string
  multiple?: boolean
}) {
  const id = useId()
  const input = useRef<HTMLInputElement>(null)
  const [over, setOver] = useState(false)

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the file input inside is the keyboard path
    <div
      onDragOver={(e) => {
        e.preventDefault()
        e.dataTransfer.dropEffect = 'copy'
        setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault()
        setOver(false)
        void fromDrop(e).then((files) => files.length > 0 && onFiles(files))
      }}
      className={`flex flex-col items-center justify-center gap-3 rounded-2xl border-2 border-dashed p-8 text-center transition-colors sm:p-12 ${
        over
          ? 'border-indigo-500 bg-indigo-50 dark:bg-indigo-950/40'
          : 'border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900'
      }`}
      data-testid="drop-zone"
    >
      <svg
        aria-hidden="true"
        viewBox="0 0 24 24"
        className="h-10 w-10 text-indigo-500"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
      >
        <path
          strokeLinecap="round"
          strokeLinejoin="round"
          d="M12 16V4m0 0l-4 4m4-4l4 4M4 16v2a2 2 0 002 2h12a2 2 0 002-2v-2"
        />
      </svg>
      <p className="text-lg font-semibold">{label}</p>
      <p className="text-sm text-slate-600 dark:text-slate-400">{hint}</p>
      <label
        htmlFor={id}
        className="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white shadow-sm hover:bg-indigo-500 focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-indigo-500"
      >
        Choose files
        <input
          id={id}
          ref={input}
          type="file"
          multiple={multiple}
          className="sr-only"
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []).map((file) => ({ file }))
            if (files.length > 0) onFiles(files)
            e.currentTarget.value = ''
          }}
        />
      </label>
    </div>
  )
}
