/**
 * What a process spends, read from outside it: CPU time from `/proc` (all its threads, its main thread alone, and each
 * of the others),
 * and, for a process started with `--trace-gc-nvp`, what its heaps allocated and promoted (summed over the
 * collections its log reports). Linux only: elsewhere the figures are left empty.
 */
import { readdirSync, readFileSync } from "node:fs"

/** Clock ticks a second, as `/proc` counts CPU time (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** utime + stime of a `/proc/.../stat` file, in seconds; undefined where there is no `/proc`. */
const cpuSeconds = (file: string): number | undefined => {
  try {
    const stat = readFileSync(file, "utf8")
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

export interface CpuSample {
  /** All threads. */
  readonly all: number | undefined
  /** The main thread (the one whose id is the process's). */
  readonly main: number | undefined
  /** Each other thread, by its id. */
  readonly others?: ReadonlyMap<string, number> | undefined
  /** Of the other threads, what the busiest spent (between two samples: a worker thread such as the outbox's). */
  readonly busiestOther?: number | undefined
}

const othersOf = (pid: number): ReadonlyMap<string, number> | undefined => {
  try {
    const others = new Map<string, number>()
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (tid === String(pid)) continue
      const seconds = cpuSeconds(`/proc/${pid}/task/${tid}/stat`)
      if (seconds !== undefined) others.set(tid, seconds)
    }
    return others
  } catch {
    return undefined
  }
}

export const cpuOf = (pid: number): CpuSample => ({
  all: cpuSeconds(`/proc/${pid}/stat`),
  main: cpuSeconds(`/proc/${pid}/task/${pid}/stat`),
  others: othersOf(pid)
})

/** CPU seconds spent between two samples. */
export const cpuSince = (before: CpuSample, after: CpuSample): CpuSample => {
  let busiestOther: number | undefined
  if (before.others !== undefined && after.others !== undefined) {
    for (const [tid, seconds] of after.others) {
      const spent = seconds - (before.others.get(tid) ?? 0)
      if (busiestOther === undefined || spent > busiestOther) busiestOther = spent
    }
  }
  return {
    all: before.all === undefined || after.all === undefined ? undefined : after.all - before.all,
    main: before.main === undefined || after.main === undefined ? undefined : after.main - before.main,
    busiestOther
  }
}

export interface HeapTraffic {
  /** Bytes allocated, all isolates (the main thread's and its workers'). */
  readonly allocated: number
  /** Bytes promoted into old space by scavenges, all isolates. */
  readonly promoted: number
  /** Bytes allocated by the isolate that allocated most (the main thread's, under request load). */
  readonly mainAllocated: number
  readonly mainPromoted: number
}

/** Sums the `--trace-gc-nvp` lines in `log` (text written while something was measured). */
export const heapTraffic = (log: string): HeapTraffic => {
  const byIsolate = new Map<string, { allocated: number; promoted: number }>()
  for (const match of log.matchAll(/^\[\d+:(0x[0-9a-f]+)\][^\n]*? allocated=(\d+) promoted=(\d+)/gm)) {
    const isolate = byIsolate.get(match[1]!) ?? { allocated: 0, promoted: 0 }
    isolate.allocated += Number(match[2])
    isolate.promoted += Number(match[3])
    byIsolate.set(match[1]!, isolate)
  }
  const isolates = [...byIsolate.values()].sort((a, b) => b.allocated - a.allocated)
  return {
    allocated: isolates.reduce((sum, isolate) => sum + isolate.allocated, 0),
    promoted: isolates.reduce((sum, isolate) => sum + isolate.promoted, 0),
    mainAllocated: isolates[0]?.allocated ?? 0,
    mainPromoted: isolates[0]?.promoted ?? 0
  }
}
