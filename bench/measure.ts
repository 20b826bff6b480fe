/** Timing and reporting helpers shared by the benchmarks. */

export interface Sample {
  readonly name: string
  readonly runs: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** Latency targets a table marks each sample against. */
export interface Targets {
  readonly p50?: number
  readonly p95?: number
  readonly p99?: number
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

/** Runs `task` `warmup` times unmeasured, then `runs` times one after another, in milliseconds. */
export const time = async (name: string, task: () => Promise<unknown>, runs = 30, warmup = 3): Promise<Sample> => {
  for (let i = 0; i < warmup; i++) await task()
  const durations: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await task()
    durations.push(performance.now() - start)
  }
  durations.sort((a, b) => a - b)
  return {
    name,
    runs,
    p50: percentile(durations, 50),
    p95: percentile(durations, 95),
    p99: percentile(durations, 99),
    max: durations.at(-1)!
  }
}

/** Prints samples as a table with each one's p50 as a multiple of the baseline's, and whether it meets `targets`. */
export const table = (title: string, baseline: Sample, samples: ReadonlyArray<Sample>, targets: Targets = {}) => {
  const rows = [baseline, ...samples].map((sample) => {
    const marks: Record<string, string> = {}
    for (const key of ["p50", "p95", "p99"] as const) {
      const target = targets[key]
      if (target === undefined) continue
      marks[`${key} < ${target} ms`] = sample === baseline ? "" : sample[key] < target ? "yes" : "NO"
    }
    return {
      operation: sample.name,
      runs: sample.runs,
      "p50 ms": sample.p50.toFixed(2),
      "p95 ms": sample.p95.toFixed(2),
      "p99 ms": sample.p99.toFixed(2),
      "max ms": sample.max.toFixed(2),
      "× baseline p50": (sample.p50 / baseline.p50).toFixed(2),
      ...marks
    }
  })
  console.log(`\n${title}`)
  console.table(rows)
}

/** Runs `task` on each of `items`, with at most `concurrency` in flight. */
export const pool = async <A>(items: ReadonlyArray<A>, concurrency: number, task: (item: A) => Promise<void>) => {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]!)
    })
  )
}
