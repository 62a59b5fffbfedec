import {
  blobSource,
  describeProgress,
  isSameContent,
  UploadError,
  type UploadSnapshot,
} from '@lfusys/upload-client'
import { useCallback, useEffect, useId, useState, useSyncExternalStore } from 'react'
import { type DroppedFile, DropZone } from '../../components/DropZone.tsx'
import { ProgressBar } from '../../components/ProgressBar.tsx'
import { Alert, Button, PageTitle } from '../../components/ui.tsx'
import { api, errorMessage } from '../../lib/api.ts'
import { formatBytes, formatEta, formatSpeed, shortHash } from '../../lib/format.ts'
import { Link } from '../../lib/router.tsx'
import { useAuth } from '../auth/AuthContext.tsx'
import { forgetUpload, listUploads, type StoredUpload } from './resumeStore.ts'
import { isSettled, type QueueItem, uploadManager } from './uploadManager.ts'

export function UploadPage() {
  const { user } = useAuth()
  const items = useSyncExternalStore(uploadManager.subscribe, uploadManager.getSnapshot)
  const [stored, setStored] = useState<Array<StoredUpload & { received: number }>>([])
  const [reloadKey, setReloadKey] = useState(0)

  const userId = user?.id
  // Offer to resume the uploads this browser remembers and the server still accepts chunks for.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey re-runs the lookup on purpose
  useEffect(() => {
    if (!userId) return
    let cancelled = false
    void (async () => {
      const records = await listUploads(userId)
      const active = uploadManager.activeUploadIds()
      const out: Array<StoredUpload & { received: number }> = []
      for (const r of records) {
        if (active.has(r.uploadId)) continue
        try {
          const upload = await api.getUpload(r.uploadId)
          if (
            upload.status === 'created' ||
            upload.status === 'uploading' ||
            upload.status === 'finalizing'
          ) {
            out.push({ ...r, received: upload.receivedChunks.length })
          } else {
            await forgetUpload(r.uploadId)
          }
        } catch (err) {
          // Only a definite "gone" forgets it; a network blip must not lose a resumable upload.
          if (err instanceof UploadError && (err.status === 404 || err.status === 403))
            await forgetUpload(r.uploadId)
        }
      }
      if (!cancelled) setStored(out)
    })()
    return () => {
      cancelled = true
    }
  }, [userId, reloadKey, items.length])

  const addFiles = useCallback(
    (files: DroppedFile[]) => {
      if (!userId) return
      for (const f of files) uploadManager.add(f.file, userId, { handle: f.handle })
    },
    [userId],
  )

  const finished = items.filter((i) => isSettled(i.snapshot)).length

  return (
    <div>
      <PageTitle subtitle="Files are split into chunks, hashed in the background and sent in parallel. Interrupted uploads can be resumed.">
        Upload files
      </PageTitle>
      <p className="-mt-3 mb-4 text-sm">
        <Link href="/uppy" className="font-medium text-indigo-700 underline dark:text-indigo-300">
          Upload with Uppy (tus)
        </Link>
      </p>
      <DropZone onFiles={addFiles} />

      {stored.length > 0 ? (
        <ResumePanel records={stored} userId={userId ?? ''} onChange={() => setReloadKey((k) => k + 1)} />
      ) : null}

      <section aria-labelledby="queue-heading" className="mt-8">
        <div className="mb-3 flex items-center justify-between gap-2">
          <h2 id="queue-heading" className="text-lg font-semibold">
            Queue{' '}
            {items.length > 0 ? (
              <span className="text-slate-600 dark:text-slate-400">({items.length})</span>
            ) : null}
          </h2>
          {finished > 0 ? (
            <Button variant="ghost" onClick={() => uploadManager.clearFinished()}>
              Clear finished
            </Button>
          ) : null}
        </div>
        {items.length === 0 ? (
          <p className="text-slate-600 dark:text-slate-400">Nothing queued yet. Drop files above to start.</p>
        ) : (
          <ul className="space-y-3" aria-label="Upload queue">
            {items.map((item) => (
              <QueueRow key={item.key} item={item} />
            ))}
          </ul>
        )}
      </section>
    </div>
  )
}

function statusText(s: UploadSnapshot): string {
  const view = describeProgress(s)
  switch (view.stage) {
    case 'hashing':
      return `Hashing ${view.percent}%`
    case 'assembling':
      return 'Assembling and verifying on the server'
    default:
      return view.label
  }
}

function QueueRow({ item }: { item: QueueItem }) {
  const s = item.snapshot
  const settled = isSettled(s)
  const canPause = !settled && !s.paused && s.phase !== 'finalizing'
  const view = describeProgress(s)
  const statusId = useId()
  const tone =
    s.phase === 'complete' || s.phase === 'duplicate'
      ? 'text-emerald-700 dark:text-emerald-400'
      : s.phase === 'failed'
        ? 'text-red-700 dark:text-red-400'
        : 'text-slate-600 dark:text-slate-400'

  return (
    <li
      className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      data-testid="queue-item"
      data-phase={s.phase}
      aria-describedby={statusId}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="truncate font-medium" title={s.fileName}>
            {s.fileName}
          </p>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {formatBytes(s.totalBytes)}
            {item.resumed ? ' · resumed' : ''}
            {s.chunkCount > 0 && s.phase !== 'duplicate' && s.phase !== 'hashing'
              ? ` · ${s.chunksDone}/${s.chunkCount} chunks stored`
              : ''}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {canPause ? (
            <Button onClick={() => uploadManager.pause(item.key)} aria-label={`Pause ${s.fileName}`}>
              Pause
            </Button>
          ) : null}
          {s.paused && !settled ? (
            <Button
              variant="primary"
              onClick={() => uploadManager.resume(item.key)}
              aria-label={`Resume ${s.fileName}`}
            >
              Resume
            </Button>
          ) : null}
          {!settled && s.phase !== 'finalizing' ? (
            <Button onClick={() => void uploadManager.cancel(item.key)} aria-label={`Cancel ${s.fileName}`}>
              Cancel
            </Button>
          ) : null}
          {s.phase === 'failed' ? (
            <Button
              variant="primary"
              onClick={() => uploadManager.retry(item.key)}
              aria-label={`Retry ${s.fileName}`}
            >
              Retry
            </Button>
          ) : null}
          {settled ? (
            <Button
              variant="ghost"
              onClick={() => uploadManager.remove(item.key)}
              aria-label={`Remove ${s.fileName} from the list`}
            >
              Remove
            </Button>
          ) : null}
        </div>
      </div>
      <div className="mt-3">
        <ProgressBar
          done={view.done}
          inflight={view.inflight}
          label={`${s.fileName} ${view.stage === 'hashing' ? 'hashing' : 'upload'} progress`}
          valueText={`${view.label}, ${view.percent}%`}
        />
      </div>
      <div id={statusId} className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {/* Only the status is announced; speed and ETA change several times a second. */}
        <span className={`font-medium ${tone}`} data-testid="queue-status" aria-live="polite">
          {statusText(s)}
        </span>
        {view.stage === 'uploading' ? (
          <>
            <span data-testid="queue-percent">{view.percent}% stored</span>
            {s.inflightBytes > 0 ? (
              <span className="text-slate-600 dark:text-slate-400">
                {formatBytes(s.inflightBytes)} in flight
              </span>
            ) : null}
            <span>Speed {formatSpeed(s.bytesPerSecond)}</span>
            <span data-testid="queue-eta">
              {s.etaSeconds === undefined ? 'ETA estimating…' : `ETA ${formatEta(s.etaSeconds)}`}
            </span>
          </>
        ) : null}
        {s.phase === 'duplicate' ? (
          <span>
            You already have this file, so no bytes were sent.{' '}
            <Link href="/files" className="underline">
              See your files
            </Link>
          </span>
        ) : null}
        {s.phase === 'complete' && s.contentHash ? (
          <span className="font-mono text-xs text-slate-600 dark:text-slate-400" title={s.contentHash}>
            {shortHash(s.contentHash)}
          </span>
        ) : null}
      </div>
      {s.error ? (
        <div className="mt-2">
          <Alert>
            {s.error.message}
            {s.error.code === 'FILE_CHANGED' ? ' Choose the file again to upload the new version.' : ''}
          </Alert>
        </div>
      ) : null}
    </li>
  )
}

type HandleWithPermission = FileSystemFileHandle & {
  queryPermission?: (d: { mode: 'read' }) => Promise<PermissionState>
  requestPermission?: (d: { mode: 'read' }) => Promise<PermissionState>
}

function ResumePanel({
  records,
  userId,
  onChange,
}: {
  records: Array<StoredUpload & { received: number }>
  userId: string
  onChange: () => void
}) {
  const [errors, setErrors] = useState<Record<string, string>>({})

  const resumeWith = async (record: StoredUpload, file: File) => {
    // The recorded plan is the server's, whatever this client would pick today.
    const plan = { fileSize: record.fileSize, chunkSize: record.chunkSize, chunkCount: record.chunkCount }
    const same =
      file.size === record.fileSize && (await isSameContent(blobSource(file), plan, record.digests))
    if (!same) {
      setErrors((e) => ({
        ...e,
        [record.uploadId]: `"${file.name}" is not the file this upload started with (its content differs). Choose ${record.fileName} again.`,
      }))
      return
    }
    setErrors((e) => ({ ...e, [record.uploadId]: '' }))
    uploadManager.add(file, userId, { resume: record })
    onChange()
  }

  const resumeFromHandle = async (record: StoredUpload) => {
    const handle: HandleWithPermission | undefined = record.handle
    if (!handle) return
    try {
      const state = (await handle.queryPermission?.({ mode: 'read' })) ?? 'granted'
      if (state !== 'granted' && (await handle.requestPermission?.({ mode: 'read' })) !== 'granted') {
        throw new Error('permission to read the file was not given')
      }
      await resumeWith(record, await handle.getFile())
    } catch (err) {
      setErrors((e) => ({
        ...e,
        [record.uploadId]: `Could not reopen the file: ${errorMessage(err)}. Choose it again.`,
      }))
    }
  }

  const discard = async (record: StoredUpload) => {
    await api.cancelUpload(record.uploadId).catch(() => undefined)
    await forgetUpload(record.uploadId)
    onChange()
  }

  return (
    <section
      aria-labelledby="resume-heading"
      className="mt-8 rounded-xl border border-amber-300 bg-amber-50 p-4 dark:border-amber-800 dark:bg-amber-950/40"
    >
      <h2 id="resume-heading" className="text-lg font-semibold">
        Unfinished uploads
      </h2>
      <p className="mb-3 text-sm text-amber-900 dark:text-amber-100">
        These uploads were interrupted. Choose the same file again to continue where they stopped; the file is
        checked to be the same before anything is sent.
      </p>
      <ul className="space-y-3">
        {records.map((r) => (
          <li
            key={r.uploadId}
            className="rounded-lg bg-white p-3 dark:bg-slate-900"
            data-testid="resume-item"
          >
            <div className="flex flex-wrap items-center justify-between gap-2">
              <div className="min-w-0">
                <p className="truncate font-medium">{r.fileName}</p>
                <p className="text-sm text-slate-600 dark:text-slate-400">
                  {formatBytes(r.fileSize)} · {r.received}/{r.chunkCount} chunks on the server
                </p>
              </div>
              <div className="flex flex-wrap items-center gap-2">
                {r.handle ? (
                  <Button variant="primary" onClick={() => void resumeFromHandle(r)}>
                    Resume
                  </Button>
                ) : null}
                <label className="inline-flex items-center rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-indigo-500">
                  Choose file to resume
                  <input
                    type="file"
                    className="sr-only"
                    aria-label={`Choose ${r.fileName} to resume its upload`}
                    onChange={(e) => {
                      const file = e.currentTarget.files?.[0]
                      e.currentTarget.value = ''
                      if (file) void resumeWith(r, file)
                    }}
                  />
                </label>
                <Button onClick={() => void discard(r)} aria-label={`Discard the upload of ${r.fileName}`}>
                  Discard
                </Button>
              </div>
            </div>
            {errors[r.uploadId] ? (
              <div className="mt-2">
                <Alert>{errors[r.uploadId]}</Alert>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
