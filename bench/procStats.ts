import { readFileSync, writeFileSync } from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux x86-64). */
const CLOCK_TICKS = 100

/** User + system CPU seconds a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return (utime + stime) / CLOCK_TICKS
}

/** Peak resident set (VmHWM) in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1]
  if (!kib) throw new Error(`no VmHWM for pid ${pid}`)
  return Number(kib) / 1024
}

/** Resets VmHWM to the current RSS (Linux clear_refs "5"), so each run measures its own peak. */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}

/** Current resident set (VmRSS) in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  if (!kib) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(kib) / 1024
}
