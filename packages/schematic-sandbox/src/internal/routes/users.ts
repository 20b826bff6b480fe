import { HttpRouter } from "@effect/platform"
import { Effect } from "effect"
import { deleteUser, getUserRow, upsertUser, userTable } from "../domain/users.js"
import { countMatching, create, deleteById, getById, listing, listNewestFirst, lookupByKeys } from "../http/response.js"
import { renderUsers } from "../render/users.js"
import { UpsertUser } from "../wire.js"

const userListing = listing(userTable, (q) => ({
  q: q.string("q", 512),
  ids: q.list("ids"),
  companyId: q.string("company_id"),
  planId: q.string("plan_id"),
  ...q.page()
}))

/** Users, by Schematic's paths. */
export const userRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/users",
    listNewestFirst(userListing, renderUsers, (filter) => ({
      q: filter.q,
      ids: filter.ids,
      company_id: filter.companyId,
      plan_id: filter.planId,
      limit: filter.limit,
      offset: filter.offset
    }))
  ),
  HttpRouter.get(
    "/users/count",
    countMatching(userListing, (filter) => ({ q: filter.q, company_id: filter.companyId }))
  ),
  HttpRouter.get("/users/lookup", lookupByKeys("user", getUserRow, renderUsers)),
  HttpRouter.post(
    "/users",
    create(UpsertUser, (input, now) => Effect.flatMap(upsertUser(input, now), getUserRow), renderUsers, 200)
  ),
  HttpRouter.get("/users/:user_id", getById("user_id", getUserRow, renderUsers)),
  HttpRouter.del("/users/:user_id", deleteById("user_id", deleteUser))
)
