/**
 * `done` and `inflight` are shares (0-1). The solid part is what is finished (stored chunks); the
 * lighter part after it is bytes on the wire that the server has not confirmed yet, so the bar
 * never claims more than the server has.
 */
export function ProgressBar({
  done,
  inflight = 0,
  label,
  valueText,
}: {
  done: number
  inflight?: number
  label: string
  valueText?: string
}) {
  const clamp = (v: number) => Math.min(100, Math.max(0, v * 100))
  const solid = clamp(done)
  const light = Math.min(100 - solid, clamp(inflight))
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.floor(solid)}
      aria-valuetext={valueText}
      className="flex h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
    >
      <div
        className="h-full bg-indigo-600 transition-[width] duration-200 dark:bg-indigo-400"
        style={{ width: `${solid}%` }}
        data-testid="progress-stored"
      />
      <div
        className="h-full bg-indigo-300 transition-[width] duration-200 dark:bg-indigo-800"
        style={{ width: `${light}%` }}
        data-testid="progress-inflight"
      />
    </div>
  )
}
