import {
  type FileRecord,
  parseServerUpload,
  type ServerUpload,
  type StorageUsage,
} from '@lfusys/upload-client'
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react'
import { ProgressBar } from '../../components/ProgressBar.tsx'
import { Alert, Button, PageTitle } from '../../components/ui.tsx'
import { API_BASE, api, errorMessage } from '../../lib/api.ts'
import { formatBytes, formatDate, shortHash } from '../../lib/format.ts'
import { Link } from '../../lib/router.tsx'
import { useAuth } from '../auth/AuthContext.tsx'
import { FileKindIcon } from './FileKindIcon.tsx'
import { fileKind, nextSort, type Sort, type SortKey, visibleFiles } from './fileList.ts'

const PAGE_SIZE = 20
/** Sorting and filtering need the whole list; it is read in pages of the API's largest size. */
const FETCH_PAGE = 200
const MAX_FILES = 5000
/** Browsers allow six HTTP/1.1 connections per origin; live streams must leave room for the rest. */
const MAX_LIVE_STREAMS = 3

async function loadAllFiles(
  all: boolean,
  signal: AbortSignal,
): Promise<{ files: FileRecord[]; more: boolean }> {
  const files: FileRecord[] = []
  let cursor: string | null = null
  do {
    const page = await api.listFiles({ limit: FETCH_PAGE, cursor, all }, signal)
    files.push(...page.files)
    cursor = page.nextCursor
  } while (cursor && files.length < MAX_FILES)
  return { files, more: cursor !== null }
}

export function FilesPage() {
  const { user } = useAuth()
  const isAdmin = user?.role === 'admin'
  const [all, setAll] = useState(false)
  const [files, setFiles] = useState<FileRecord[]>([])
  const [truncated, setTruncated] = useState(false)
  const [usage, setUsage] = useState<StorageUsage | null>(null)
  const [query, setQuery] = useState('')
  const [sort, setSort] = useState<Sort>({ key: 'date', dir: 'desc' })
  const [page, setPage] = useState(0)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [toDelete, setToDelete] = useState<FileRecord | null>(null)
  const [reload, setReload] = useState(0)
  const filterId = useId()

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload re-runs the query on purpose
  useEffect(() => {
    const controller = new AbortController()
    setLoading(true)
    setError('')
    loadAllFiles(isAdmin && all, controller.signal)
      .then((r) => {
        setFiles(r.files)
        setTruncated(r.more)
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(`Could not load your files: ${errorMessage(err)}`)
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false)
      })
    api
      .usage(controller.signal)
      .then(setUsage)
      .catch(() => {
        // The space meter is a nicety; the list is what matters, and its own errors are shown.
        if (!controller.signal.aborted) setUsage(null)
      })
    return () => controller.abort()
  }, [all, isAdmin, reload])

  const refresh = useCallback(() => setReload((r) => r + 1), [])

  const shown = useMemo(() => visibleFiles(files, query, sort), [files, query, sort])
  const pageCount = Math.max(1, Math.ceil(shown.length / PAGE_SIZE))
  const current = Math.min(page, pageCount - 1)
  const rows = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE)

  const sortBy = (key: SortKey) => {
    setSort((s) => nextSort(s, key))
    setPage(0)
  }

  const copyHash = async (f: FileRecord) => {
    try {
      await navigator.clipboard.writeText(f.contentHash)
      setNotice(`Copied the content hash of ${f.name}.`)
    } catch {
      setNotice(`Could not copy automatically. The content hash of ${f.name} is ${f.contentHash}`)
    }
  }

  const confirmDelete = async () => {
    const f = toDelete
    if (!f) return
    setToDelete(null)
    try {
      await api.deleteFile(f.id)
      setNotice(`Deleted ${f.name}.`)
      refresh()
    } catch (err) {
      setError(`Could not delete ${f.name}: ${errorMessage(err)}`)
    }
  }

  const header = (key: SortKey, label: string, className = '') => {
    const active = sort.key === key
    return (
      <th
        scope="col"
        className={`px-4 py-2 font-medium ${className}`}
        aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
      >
        <button
          type="button"
          onClick={() => sortBy(key)}
          className="inline-flex items-center gap-1 rounded hover:text-slate-900 dark:hover:text-slate-100"
        >
          {label}
          <span aria-hidden="true" className={active ? '' : 'opacity-30'}>
            {active && sort.dir === 'asc' ? '▲' : '▼'}
          </span>
          <span className="sr-only">
            {active ? `, sorted ${sort.dir === 'asc' ? 'ascending' : 'descending'}` : ', sort'}
          </span>
        </button>
      </th>
    )
  }

  return (
    <div>
      <PageTitle subtitle="Everything you have uploaded. Sort by a column, filter by name.">Files</PageTitle>

      {usage ? <UsageMeter usage={usage} /> : null}

      <UnfinishedUploads onFinished={refresh} />

      <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
        <h2 className="text-lg font-semibold">{all ? "All users' files" : 'Your files'}</h2>
        <div className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor={filterId} className="block text-sm font-medium">
              Filter by name
            </label>
            <input
              id={filterId}
              type="search"
              value={query}
              onChange={(e) => {
                setQuery(e.currentTarget.value)
                setPage(0)
              }}
              className="mt-1 block w-44 rounded-lg sm:w-56 border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
            />
          </div>
          {/* The column headers sort on wide screens; narrow ones hide some columns, so a list does. */}
          <div className="sm:hidden">
            <label htmlFor={`${filterId}-sort`} className="block text-sm font-medium">
              Sort by
            </label>
            <select
              id={`${filterId}-sort`}
              value={`${sort.key}-${sort.dir}`}
              onChange={(e) => {
                const [key, dir] = e.currentTarget.value.split('-') as [SortKey, 'asc' | 'desc']
                setSort({ key, dir })
                setPage(0)
              }}
              className="mt-1 block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
            >
              <option value="date-desc">Newest first</option>
              <option value="date-asc">Oldest first</option>
              <option value="name-asc">Name A-Z</option>
              <option value="name-desc">Name Z-A</option>
              <option value="size-desc">Largest first</option>
              <option value="size-asc">Smallest first</option>
            </select>
          </div>
          {isAdmin ? (
            <label className="inline-flex items-center gap-2 pb-1.5 text-sm">
              <input
                type="checkbox"
                checked={all}
                onChange={(e) => {
                  setAll(e.currentTarget.checked)
                  setPage(0)
                }}
                className="h-4 w-4 accent-indigo-600"
              />
              Show all users' files (admin)
            </label>
          ) : null}
          <Button onClick={refresh}>Refresh</Button>
        </div>
      </div>

      {notice ? (
        <div className="mb-3 break-all">
          <Alert kind="success">{notice}</Alert>
        </div>
      ) : null}
      {error ? (
        <div className="mb-3">
          <Alert>{error}</Alert>
        </div>
      ) : null}
      {truncated ? (
        <div className="mb-3">
          <Alert kind="info">
            Showing the newest {files.length} files; sorting and filtering cover those.
          </Alert>
        </div>
      ) : null}

      {loading && files.length === 0 ? <p aria-live="polite">Loading...</p> : null}
      {!loading && files.length === 0 && !error ? (
        <p className="text-slate-600 dark:text-slate-400">
          No files yet.{' '}
          <Link href="/upload" className="text-indigo-700 underline dark:text-indigo-300">
            Upload one
          </Link>
          .
        </p>
      ) : null}
      {files.length > 0 && shown.length === 0 ? (
        <p className="text-slate-600 dark:text-slate-400" aria-live="polite">
          No file name contains “{query.trim()}”.
        </p>
      ) : null}

      {rows.length > 0 ? (
        <div className="overflow-x-auto rounded-xl border border-slate-200 dark:border-slate-800">
          <table className="w-full text-left text-sm" aria-busy={loading}>
            <caption className="sr-only">
              Files, page {current + 1} of {pageCount}, sorted by {sort.key}{' '}
              {sort.dir === 'asc' ? 'ascending' : 'descending'}
            </caption>
            <thead className="bg-slate-50 text-slate-700 dark:bg-slate-900 dark:text-slate-300">
              <tr>
                {header('name', 'Name')}
                {header('size', 'Size', 'hidden sm:table-cell')}
                {header('date', 'Uploaded', 'hidden md:table-cell')}
                <th scope="col" className="hidden px-4 py-2 font-medium lg:table-cell">
                  Content hash
                </th>
                {all ? (
                  <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
                    Owner
                  </th>
                ) : null}
                <th scope="col" className="px-4 py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200 dark:divide-slate-800">
              {rows.map((f) => (
                <tr key={f.id} data-testid="file-row" className="bg-white dark:bg-slate-950">
                  <td className="max-w-[12rem] px-4 py-2 sm:max-w-[20rem]">
                    <div className="flex items-center gap-2">
                      <FileKindIcon kind={fileKind(f)} />
                      <div className="min-w-0">
                        <span className="block truncate font-medium" title={f.name}>
                          {f.name}
                        </span>
                        {/* Narrow screens hide the size, date and hash columns; they appear here instead. */}
                        <span className="block truncate text-xs text-slate-600 sm:hidden dark:text-slate-400">
                          {formatBytes(f.size)}
                        </span>
                        <span className="block truncate text-xs text-slate-600 md:hidden dark:text-slate-400">
                          {formatDate(f.createdAt)}
                        </span>
                        <span
                          className="block truncate font-mono text-xs text-slate-600 lg:hidden dark:text-slate-400"
                          title={f.contentHash}
                        >
                          {shortHash(f.contentHash)}
                        </span>
                      </div>
                    </div>
                  </td>
                  <td className="hidden whitespace-nowrap px-4 py-2 sm:table-cell" data-testid="file-size">
                    {formatBytes(f.size)}
                  </td>
                  <td className="hidden whitespace-nowrap px-4 py-2 md:table-cell">
                    {formatDate(f.createdAt)}
                  </td>
                  <td
                    className="hidden px-4 py-2 font-mono text-xs lg:table-cell"
                    title={f.contentHash}
                    data-testid="file-hash"
                  >
                    {shortHash(f.contentHash)}
                  </td>
                  {all ? (
                    <td className="hidden px-4 py-2 font-mono text-xs sm:table-cell">
                      {f.ownerId.slice(0, 8)}
                    </td>
                  ) : null}
                  <td className="px-2 py-2 sm:px-4">
                    <div className="flex flex-col items-end gap-1 sm:flex-row sm:justify-end">
                      <a
                        href={api.downloadUrl(f.id)}
                        className="inline-flex rounded-lg px-3 py-1.5 text-sm font-medium text-indigo-700 hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-slate-800"
                        aria-label={`Download ${f.name}`}
                      >
                        Download
                      </a>
                      <Button
                        variant="ghost"
                        onClick={() => void copyHash(f)}
                        aria-label={`Copy hash of ${f.name}`}
                        title="Copy the full SHA-256 content hash"
                      >
                        Copy hash
                      </Button>
                      <Button variant="ghost" onClick={() => setToDelete(f)} aria-label={`Delete ${f.name}`}>
                        Delete
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      <nav aria-label="Pagination" className="mt-4 flex items-center justify-between">
        <Button disabled={current === 0} onClick={() => setPage(current - 1)}>
          Previous
        </Button>
        <span className="text-sm text-slate-600 dark:text-slate-400">
          Page {current + 1} of {pageCount}
          {query.trim() ? ` · ${shown.length} of ${files.length} files match` : ` · ${files.length} files`}
        </span>
        <Button disabled={current >= pageCount - 1} onClick={() => setPage(current + 1)}>
          Next
        </Button>
      </nav>

      <ConfirmDialog
        open={toDelete !== null}
        title="Delete file?"
        body={
          toDelete
            ? `"${toDelete.name}" (${formatBytes(toDelete.size)}) will be deleted. This cannot be undone.`
            : ''
        }
        confirmLabel="Delete"
        onCancel={() => setToDelete(null)}
        onConfirm={() => void confirmDelete()}
      />
    </div>
  )
}

/** Space used against the quota; unfinished uploads count toward it too, as upload creation does. */
function UsageMeter({ usage }: { usage: StorageUsage }) {
  const { usedBytes, pendingBytes, quotaBytes } = usage
  const text =
    quotaBytes === null
      ? `${formatBytes(usedBytes)} used`
      : `${formatBytes(usedBytes)} of ${formatBytes(quotaBytes)} used`
  return (
    <section aria-label="Storage" className="mb-6" data-testid="usage">
      <p className="text-sm">
        <span className="font-medium">{text}</span>
        {pendingBytes > 0 ? (
          <span className="text-slate-600 dark:text-slate-400">
            {' '}
            · {formatBytes(pendingBytes)} reserved by unfinished uploads
          </span>
        ) : null}
      </p>
      {quotaBytes !== null ? (
        <div className="mt-2 max-w-md">
          <ProgressBar
            done={quotaBytes > 0 ? usedBytes / quotaBytes : 0}
            inflight={quotaBytes > 0 ? pendingBytes / quotaBytes : 0}
            label="Storage used of the quota"
            valueText={text}
          />
        </div>
      ) : null}
    </section>
  )
}

function ConfirmDialog(props: {
  open: boolean
  title: string
  body: string
  confirmLabel: string
  onCancel: () => void
  onConfirm: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    // showModal traps focus and makes Escape cancel: the platform's accessible modal.
    if (props.open && !d.open) d.showModal()
    if (!props.open && d.open) d.close()
  }, [props.open])
  return (
    <dialog
      ref={ref}
      onCancel={props.onCancel}
      aria-labelledby="confirm-title"
      className="m-auto w-[min(28rem,calc(100%-2rem))] rounded-xl border border-slate-200 bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      <h2 id="confirm-title" className="text-lg font-semibold">
        {props.title}
      </h2>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-300">{props.body}</p>
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={props.onCancel} autoFocus>
          Cancel
        </Button>
        <Button variant="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </Button>
      </div>
    </dialog>
  )
}

/** Unfinished uploads of this user (from any tab or device), with live status over SSE. */
function UnfinishedUploads({ onFinished }: { onFinished: () => void }) {
  const [uploads, setUploads] = useState<ServerUpload[]>([])
  const [error, setError] = useState('')

  useEffect(() => {
    const controller = new AbortController()
    api
      .listUploads(controller.signal)
      .then(setUploads)
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(`Could not load unfinished uploads: ${errorMessage(err)}`)
      })
    return () => controller.abort()
  }, [])

  const liveIds = uploads
    .filter(
      (u) =>
        u.status !== 'complete' &&
        u.status !== 'failed' &&
        u.status !== 'cancelled' &&
        u.status !== 'expired',
    )
    .slice(0, MAX_LIVE_STREAMS)
    .map((u) => u.id)
    .join(',')

  useEffect(() => {
    if (!liveIds) return
    const sources = liveIds.split(',').map((id) => {
      const es = new EventSource(`${API_BASE}/uploads/${encodeURIComponent(id)}/events`)
      es.addEventListener('upload', (ev) => {
        let next: ServerUpload
        try {
          next = parseServerUpload(JSON.parse(ev.data))
        } catch {
          return
        }
        setUploads((list) => list.map((u) => (u.id === next.id ? next : u)))
        if (next.status === 'complete') onFinished()
        if (
          next.status === 'complete' ||
          next.status === 'failed' ||
          next.status === 'cancelled' ||
          next.status === 'expired'
        ) {
          // The server ends the stream after a final state; stop EventSource from reconnecting.
          es.close()
        }
      })
      return es
    })
    return () => {
      for (const es of sources) es.close()
    }
  }, [liveIds, onFinished])

  if (error)
    return (
      <div className="mb-6">
        <Alert>{error}</Alert>
      </div>
    )
  if (uploads.length === 0) return null
  return (
    <section aria-labelledby="unfinished-heading" className="mb-8">
      <h2 id="unfinished-heading" className="mb-3 text-lg font-semibold">
        Uploads in progress
      </h2>
      <ul className="space-y-2">
        {uploads.map((u) => (
          <li
            key={u.id}
            className="rounded-lg border border-slate-200 p-3 dark:border-slate-800"
            data-testid="unfinished-upload"
            data-status={u.status}
          >
            <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
              <span className="truncate font-medium">{u.fileName}</span>
              <span aria-live="polite">
                {u.status} · {u.receivedChunks.length}/{u.chunkCount} chunks
                {u.failureReason ? ` · ${u.failureReason}` : ''}
              </span>
            </div>
            <div className="mt-2">
              <ProgressBar
                done={u.chunkCount > 0 ? u.receivedChunks.length / u.chunkCount : 0}
                label={`${u.fileName} chunks received`}
              />
            </div>
          </li>
        ))}
      </ul>
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        To continue an interrupted upload, open{' '}
        <Link href="/upload" className="underline">
          Upload
        </Link>{' '}
        and choose the file again.
      </p>
    </section>
  )
}
