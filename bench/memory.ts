/**
 * Idle memory: what a process holds resident (RSS) once started and left alone, taken twice. First a few seconds
 * after it listens, when start-up is over; then half a minute later, after V8 has had time to see the process idle
 * and shrink its heap (its young generation, grown to 32 MB while modules were loading, is given back only then).
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 5)
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 40)

/** A process's resident set in MB: VmRSS from /proc on Linux, `ps` elsewhere. */
export const rssMb = (pid: number): number => {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    if (kb !== null) return Number(kb[1]) / 1024
  } catch {
    // Not Linux: ask ps.
  }
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024
}

export interface Measured {
  readonly name: string
  readonly pid: number
  /** The most MB it should hold resident once settled, if it has a target. */
  readonly targetMb?: number | undefined
}

export interface IdleMemory {
  readonly name: string
  readonly targetMb?: number | undefined
  /** MB resident `SETTLE_SECONDS` after the processes are up. */
  readonly settled: number
  /** MB resident `IDLE_SECONDS` after the processes are up. */
  readonly idle: number
}

const sleep = (seconds: number) => new Promise((done) => setTimeout(done, seconds * 1000))

/** The RSS of each of `processes`, all started and listening, with nothing asked of them meanwhile. */
export const idleMemory = async (processes: ReadonlyArray<Measured>): Promise<Array<IdleMemory>> => {
  await sleep(SETTLE_SECONDS)
  const settled = processes.map(({ pid }) => rssMb(pid))
  await sleep(IDLE_SECONDS - SETTLE_SECONDS)
  return processes.map(({ name, pid, targetMb }, index) => ({
    name,
    targetMb,
    settled: settled[index]!,
    idle: rssMb(pid)
  }))
}

/** Prints each process's RSS, as MB and as a multiple of the baseline's, and whether it is under its target. */
export const memoryTable = (title: string, baseline: IdleMemory, results: ReadonlyArray<IdleMemory>) => {
  console.log(`\n${title}`)
  console.table(
    [baseline, ...results].map((result) => ({
      process: result.name,
      [`RSS MB (${SETTLE_SECONDS} s)`]: result.settled.toFixed(0),
      [`RSS MB (${IDLE_SECONDS} s)`]: result.idle.toFixed(0),
      [`× baseline (${SETTLE_SECONDS} s)`]: (result.settled / baseline.settled).toFixed(2),
      [`× baseline (${IDLE_SECONDS} s)`]: (result.idle / baseline.idle).toFixed(2),
      [`under target (${SETTLE_SECONDS} s)`]:
        result.targetMb === undefined
          ? ""
          : `${result.settled < result.targetMb ? "yes" : "NO"} (< ${result.targetMb} MB)`
    }))
  )
}

export const idleSeconds = { settle: SETTLE_SECONDS, idle: IDLE_SECONDS }
