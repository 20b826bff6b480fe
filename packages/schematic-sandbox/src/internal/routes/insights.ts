import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { planGrowth, summary, topFeatures } from "../domain/insights.js"
import { DAY } from "../domain/metricPeriod.js"
import { readQuery } from "../http/request.js"
import { envelope } from "../http/response.js"
import { iso } from "../ids.js"
import { badRequest } from "../SandboxError.js"

/** The three insights (summary, plan growth, top features), by Schematic's paths. */
export const insightRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/insights/summary",
    Effect.map(summary, (data) => envelope(data))
  ),
  HttpRouter.get(
    "/insights/plan-growth",
    Effect.gen(function* () {
      const params = yield* readQuery((q) => ({ months: q.int("months", 1, 24) }))
      return envelope(yield* planGrowth(params.months ?? 12, Date.now()), params)
    })
  ),
  HttpRouter.get(
    "/insights/top-features",
    Effect.gen(function* () {
      const params = yield* readQuery((q) => {
        const start = q.time("start_time", true)!
        const end = q.time("end_time", true)!
        if (end <= start) throw badRequest("end_time: must be after start_time")
        if (end - start > 366 * DAY) throw badRequest("end_time: the window must be at most 366 days")
        return { start, end, limit: q.int("limit", 1, 20) ?? 10 }
      })
      const data = yield* topFeatures(params.start, params.end, params.limit)
      return envelope(data, { start_time: iso(params.start), end_time: iso(params.end), limit: params.limit })
    })
  )
)
