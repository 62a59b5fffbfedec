import { type DroppedFile, DropZone } from '../../components/DropZone.tsx'
import { Link, navigate } from '../../lib/router.tsx'
import { useAuth } from '../auth/AuthContext.tsx'
import { uploadManager } from '../upload/uploadManager.ts'

const FEATURES = [
  [
    'Parallel, resumable',
    'Files go up in 8 MiB chunks, four at a time, retried on failure. A closed tab or a restarted browser picks up where it stopped.',
  ],
  [
    'Verified end to end',
    'Every chunk carries its SHA-256; the assembled file is checked against a content hash that S3 itself computes.',
  ],
  [
    'Instant duplicates',
    'Upload a file you already have and it is done at once: the content hash is known before a single byte is sent.',
  ],
  ['Live status', 'Watch each upload move from chunks received to assembled and verified, from any tab.'],
] as const

export function HomePage() {
  const { user } = useAuth()
  const onFiles = (files: DroppedFile[]) => {
    if (!user) {
      navigate('/login?next=/upload')
      return
    }
    for (const f of files) uploadManager.add(f.file, user.id, { handle: f.handle })
    navigate('/upload')
  }
  return (
    <div className="space-y-12">
      <section className="grid items-center gap-8 md:grid-cols-2">
        <div>
          <h1 className="text-4xl font-bold tracking-tight sm:text-5xl">
            Upload very large files, <span className="text-indigo-600 dark:text-indigo-400">reliably</span>.
          </h1>
          <p className="mt-4 text-lg text-slate-600 dark:text-slate-300">
            lfusys splits your files into chunks, sends them in parallel with retries, resumes after a dropped
            network or a browser restart, and stores each file exactly once, verified.
          </p>
          <div className="mt-6 flex flex-wrap gap-3">
            {user ? (
              <Link
                href="/upload"
                className="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
              >
                Start uploading
              </Link>
            ) : (
              <>
                <Link
                  href="/register"
                  className="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
                >
                  Create an account
                </Link>
                <Link
                  href="/login"
                  className="rounded-lg border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800"
                >
                  Log in
                </Link>
              </>
            )}
          </div>
        </div>
        <DropZone
          onFiles={onFiles}
          hint={
            user ? 'or choose files: they start uploading at once.' : 'Log in first, then drop your files.'
          }
        />
      </section>
      <section aria-labelledby="features-heading">
        <h2 id="features-heading" className="sr-only">
          What lfusys does
        </h2>
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {FEATURES.map(([title, text]) => (
            <li
              key={title}
              className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900"
            >
              <h3 className="font-semibold">{title}</h3>
              <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{text}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  )
}
