import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { checkFlag, checkFlags } from "../domain/flagChecks.js"
import { createFlag, deleteFlag, flagByKey, flagTable, getFlag, updateFlag } from "../domain/flags.js"
import { body, pathId } from "../http/request.js"
import { create, deleteById, envelope, getById, listing, listNewestFirst, updateById } from "../http/response.js"
import { renderFlagCheck } from "../render/flagChecks.js"
import { renderFlags } from "../render/flags.js"
import { CheckFlag, CheckFlagsBulk, CreateFlag } from "../wire.js"

const renderChecks = (answer: Effect.Effect.Success<ReturnType<typeof checkFlags>>) => ({
  flags: answer.checks.map(renderFlagCheck),
  credit_balances: answer.creditBalances,
  ...(answer.plan === undefined ? {} : { plan: answer.plan })
})

const flagListing = listing(flagTable, (q) => ({
  q: q.string("q"),
  ids: q.list("ids"),
  feature_id: q.string("feature_id"),
  ...q.page()
}))

/** Flags and flag checks, by Schematic's paths. */
export const flagRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/flags", listNewestFirst(flagListing, renderFlags)),
  HttpRouter.post("/flags", create(CreateFlag, createFlag, renderFlags)),
  HttpRouter.post(
    "/flags/check",
    Effect.gen(function* () {
      const input = yield* body(CheckFlag)
      return envelope(renderChecks(yield* checkFlags(input, Date.now())), {}, 201)
    })
  ),
  HttpRouter.post(
    "/flags/check-bulk",
    Effect.gen(function* () {
      const input = yield* body(CheckFlagsBulk)
      const now = Date.now()
      const answers = yield* Effect.forEach(input.contexts, (context) => checkFlags(context, now))
      return envelope({ data: answers.map(renderChecks) }, {}, 201)
    })
  ),
  HttpRouter.post(
    "/flags/:key/check",
    Effect.gen(function* () {
      const flag = yield* flagByKey(yield* pathId("key"))
      const input = yield* body(CheckFlag)
      return envelope(renderFlagCheck(yield* checkFlag(flag, input, Date.now())))
    })
  ),
  HttpRouter.get("/flags/:flag_id", getById("flag_id", getFlag, renderFlags)),
  HttpRouter.put("/flags/:flag_id", updateById("flag_id", CreateFlag, updateFlag, getFlag, renderFlags)),
  HttpRouter.del("/flags/:flag_id", deleteById("flag_id", deleteFlag))
)
