/** A closed-loop load generator: `concurrency` callers, each sending its next request when the last returns. */

export interface LoadResult {
  readonly name: string
  readonly requests: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
}

/** The latencies of `send` from `concurrency` callers over `seconds`, after `warmupSeconds` (1 by default) unrecorded. */
export interface LoadOptions {
  readonly concurrency: number
  readonly seconds: number
  readonly warmupSeconds?: number
  /** Called as the measured part starts (after the warm-up) and as it ends, to take other figures over it. */
  readonly measuring?: { readonly start: () => void; readonly end: () => void }
}

const sample = async (send: () => Promise<void>, options: LoadOptions) => {
  const runFor = async (seconds: number, record: Array<number> | undefined) => {
    const until = performance.now() + seconds * 1000
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < until) {
          const start = performance.now()
          await send()
          record?.push(performance.now() - start)
        }
      })
    )
  }
  await runFor(options.warmupSeconds ?? 1, undefined)
  const latencies: Array<number> = []
  options.measuring?.start()
  const started = performance.now()
  await runFor(options.seconds, latencies)
  options.measuring?.end()
  return { latencies, seconds: (performance.now() - started) / 1000 }
}

const summarize = (name: string, latencies: Array<number>, seconds: number): LoadResult => {
  latencies.sort((a, b) => a - b)
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN
  return {
    name,
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99)
  }
}

export const load = async (name: string, send: () => Promise<void>, options: LoadOptions): Promise<LoadResult> => {
  const { latencies, seconds } = await sample(send, options)
  return summarize(name, latencies, seconds)
}

/**
 * One caller's latency on several paths, in short turns that rotate between them: a slow moment of these shared
 * cores then falls on every path alike, where whole runs one after another put it on whichever path ran then
 * (the baseline's p50 moved a long way between runs a few seconds apart). Each turn starts with a few
 * unrecorded requests, so a path's processes are warm again when its latencies are taken.
 */
export const interleaved = async (
  paths: ReadonlyArray<readonly [string, () => Promise<void>]>,
  options: { readonly turns: number; readonly turnSeconds: number; readonly warmupSeconds: number }
): Promise<Array<LoadResult>> => {
  const all = paths.map(() => ({ latencies: [] as Array<number>, seconds: 0 }))
  for (let turn = 0; turn < options.turns; turn++) {
    for (const [index, [, send]] of paths.entries()) {
      const { latencies, seconds } = await sample(send, {
        concurrency: 1,
        seconds: options.turnSeconds,
        warmupSeconds: options.warmupSeconds
      })
      all[index]!.latencies.push(...latencies)
      all[index]!.seconds += seconds
    }
  }
  return paths.map(([name], index) => summarize(name, all[index]!.latencies, all[index]!.seconds))
}

/** One path measured twice: alone (latency) and under concurrent load (throughput). */
export interface PathResult {
  readonly name: string
  readonly alone: LoadResult
  readonly loaded: LoadResult
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Each figure of several runs: its median. */
export const medianLoad = (results: ReadonlyArray<LoadResult>): LoadResult => ({
  name: results[0]!.name,
  requests: median(results.map((result) => result.requests)),
  seconds: median(results.map((result) => result.seconds)),
  perSecond: median(results.map((result) => result.perSecond)),
  p50: median(results.map((result) => result.p50)),
  p99: median(results.map((result) => result.p99))
})

export const loadTable = (title: string, baseline: PathResult, results: ReadonlyArray<PathResult>) => {
  console.log(`\n${title}`)
  console.table(
    [baseline, ...results].map((result) => ({
      path: result.name,
      "p50 ms (1 caller)": result.alone.p50.toFixed(3),
      "p99 ms (1 caller)": result.alone.p99.toFixed(3),
      "p50 added ms": result === baseline ? "" : (result.alone.p50 - baseline.alone.p50).toFixed(3),
      "req/s (loaded)": Math.round(result.loaded.perSecond),
      "p50 ms (loaded)": result.loaded.p50.toFixed(2),
      "p99 ms (loaded)": result.loaded.p99.toFixed(2),
      "throughput vs baseline": (result.loaded.perSecond / baseline.loaded.perSecond).toFixed(2)
    }))
  )
}
