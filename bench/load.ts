/** A closed-loop load generator: `concurrency` callers, each sending its next request when the last returns. */

export interface LoadResult {
  readonly name: string
  readonly requests: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
}

export const load = async (
  name: string,
  send: () => Promise<void>,
  options: { readonly concurrency: number; readonly seconds: number; readonly warmupSeconds?: number }
): Promise<LoadResult> => {
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
  const started = performance.now()
  await runFor(options.seconds, latencies)
  const seconds = (performance.now() - started) / 1000
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

/** One path measured twice: alone (latency) and under concurrent load (throughput). */
export interface PathResult {
  readonly name: string
  readonly alone: LoadResult
  readonly loaded: LoadResult
}

export const measurePath = async (
  name: string,
  send: () => Promise<void>,
  options: { readonly concurrency: number; readonly seconds: number }
): Promise<PathResult> => ({
  name,
  alone: await load(name, send, { concurrency: 1, seconds: options.seconds }),
  loaded: await load(name, send, options)
})

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

/** Each figure of a path measured several times: its median. */
export const medianPath = (results: ReadonlyArray<PathResult>): PathResult => ({
  name: results[0]!.name,
  alone: medianLoad(results.map((result) => result.alone)),
  loaded: medianLoad(results.map((result) => result.loaded))
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
