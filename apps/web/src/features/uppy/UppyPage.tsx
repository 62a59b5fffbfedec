import type Uppy from '@uppy/core'
import Dashboard from '@uppy/react/dashboard'
import { useEffect, useState, useSyncExternalStore } from 'react'
import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import './uppy.css'
import { PageTitle } from '../../components/ui.tsx'
import { formatBytes } from '../../lib/format.ts'
import { Link } from '../../lib/router.tsx'
import { createTusUppy, TUS_ENDPOINT } from './tusUppy.ts'

/** The app's theme is the `dark` class on <html> (lib/theme.ts); the Dashboard follows it. */
function subscribeToTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange)
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] })
  return () => observer.disconnect()
}
const isDark = () => document.documentElement.classList.contains('dark')

interface Finished {
  id: string
  name: string
  size: number
  error?: string
}

/**
 * Uppy's Dashboard with @uppy/tus against the gateway's tus endpoint: a stock tus client feeding
 * the same pipeline as the native upload page (chunks, verification, dedup, the Files list).
 * Loaded on its own (React.lazy in App.tsx), so no other page carries Uppy's code or styles.
 */
export function UppyPage() {
  const [uppy, setUppy] = useState<Uppy>()
  const [finished, setFinished] = useState<Finished[]>([])
  const dark = useSyncExternalStore(subscribeToTheme, isDark)

  useEffect(() => {
    const instance = createTusUppy()
    instance.on('upload-success', (file) => {
      if (!file) return
      setFinished((f) => [...f, { id: file.id, name: file.name ?? 'file', size: file.size ?? 0 }])
    })
    instance.on('upload-error', (file, error) => {
      if (!file) return
      setFinished((f) => [
        ...f,
        { id: file.id, name: file.name ?? 'file', size: file.size ?? 0, error: error.message },
      ])
    })
    setUppy(instance)
    return () => instance.destroy()
  }, [])

  return (
    <div>
      <PageTitle
        subtitle={
          <>
            Uppy's Dashboard with its tus plugin, talking to the tus 1.0 endpoint{' '}
            <code className="font-mono text-sm">{TUS_ENDPOINT}</code>. Uploads made here go through the same
            verified pipeline and appear in{' '}
            <Link href="/files" className="underline">
              Files
            </Link>
            .
          </>
        }
      >
        Upload with Uppy (tus)
      </PageTitle>
      {uppy ? (
        <div className="lfusys-uppy">
          <Dashboard
            uppy={uppy}
            width="100%"
            height={420}
            theme={dark ? 'dark' : 'light'}
            proudlyDisplayPoweredByUppy={false}
            note="Any file, any size. Interrupted uploads resume from the server's offset."
          />
        </div>
      ) : (
        <p aria-live="polite">Loading...</p>
      )}
      <section aria-labelledby="uppy-done-heading" className="mt-8">
        <h2 id="uppy-done-heading" className="text-lg font-semibold">
          Finished here
        </h2>
        {/* The region exists from the start, so screen readers announce what is added to it. */}
        <div aria-live="polite">
          {finished.length === 0 ? (
            <p className="mt-2 text-slate-600 dark:text-slate-400">Nothing uploaded from this page yet.</p>
          ) : (
            <ul className="mt-2 space-y-1">
              {finished.map((f) => (
                <li key={f.id} data-testid="uppy-finished" data-outcome={f.error ? 'error' : 'success'}>
                  <span className="font-medium">{f.name}</span> ({formatBytes(f.size)}):{' '}
                  {f.error ? (
                    <span className="text-red-700 dark:text-red-400">failed: {f.error}</span>
                  ) : (
                    <>
                      uploaded,{' '}
                      <Link href="/files" className="underline">
                        see it in Files
                      </Link>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
    </div>
  )
}
