import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { deleteOverride, getOverride, insertOverride, overrideTable, updateOverride } from "../domain/overrides.js"
import { countMatching, create, deleteById, getById, listing, listNewestFirst, updateById } from "../http/response.js"
import { renderOverrides } from "../render/overrides.js"
import { CreateCompanyOverride, UpdateCompanyOverride } from "../wire.js"

const overrideListing = listing(overrideTable, (q) => ({
  company_id: q.string("company_id"),
  company_ids: q.list("company_ids"),
  feature_id: q.string("feature_id"),
  feature_ids: q.list("feature_ids"),
  ids: q.list("ids"),
  without_expired: q.bool("without_expired"),
  q: q.string("q"),
  ...q.page()
}))

/** Company overrides, by Schematic's paths. */
export const overrideRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/company-overrides", listNewestFirst(overrideListing, renderOverrides)),
  HttpRouter.get(
    "/company-overrides/count",
    countMatching(overrideListing, ({ limit: _limit, offset: _offset, ...filter }) => filter)
  ),
  HttpRouter.post(
    "/company-overrides",
    create(
      CreateCompanyOverride,
      (input, now) => Effect.flatMap(insertOverride(input, now), getOverride),
      renderOverrides
    )
  ),
  HttpRouter.get(
    "/company-overrides/:company_override_id",
    getById("company_override_id", getOverride, renderOverrides)
  ),
  HttpRouter.put(
    "/company-overrides/:company_override_id",
    updateById("company_override_id", UpdateCompanyOverride, updateOverride, getOverride, renderOverrides)
  ),
  HttpRouter.del("/company-overrides/:company_override_id", deleteById("company_override_id", deleteOverride))
)
