import { HttpRouter } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ENVIRONMENT_ID, iso, newId } from "./ids.js"
import { body, readQuery } from "./request.js"
import { answerOne, getById, listNewestFirst, rowById } from "./response.js"
import { badRequest } from "./SandboxError.js"
import { CreatePlan } from "./wire.js"

export interface PlanRow {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly plan_type: "plan" | "add_on"
  readonly icon: string
  readonly monthly_price: number | null
  readonly yearly_price: number | null
  readonly currency: string
  readonly created_at: number
  readonly updated_at: number
}

const price = (plan: PlanRow, amount: number | null, interval: "month" | "year") =>
  amount === null
    ? undefined
    : {
        id: `bilpp_${plan.id}_${interval}`,
        external_price_id: `price_${plan.id}_${interval}`,
        price: amount,
        price_decimal: null,
        currency: plan.currency,
        interval,
        interval_count: 1,
        provider_type: "schematic",
        scheme: "per_unit"
      }

/** Renders plans as `PlanDetailResponseData`, with how many companies hold each one now. */
export const renderPlans = (rows: ReadonlyArray<PlanRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const counts = new Map<string, number>()
    if (rows.length > 0) {
      const ids = rows.map((row) => row.id)
      const found = yield* sql<{ plan_id: string; n: number }>`
        SELECT plan_id, COUNT(DISTINCT company_id) AS n FROM plan_subscriptions
        WHERE ended_at IS NULL AND plan_id IN ${sql.in(ids)} GROUP BY plan_id`
      for (const row of found) counts.set(row.plan_id, row.n)
    }
    return rows.map((plan) => {
      const monthly = price(plan, plan.monthly_price, "month")
      const yearly = price(plan, plan.yearly_price, "year")
      const paid = (plan.monthly_price ?? 0) > 0 || (plan.yearly_price ?? 0) > 0
      return {
        id: plan.id,
        name: plan.name,
        description: plan.description,
        plan_type: plan.plan_type,
        icon: plan.icon,
        company_count: counts.get(plan.id) ?? 0,
        is_default: false,
        is_trialable: false,
        is_free: !paid,
        charge_type: paid ? "recurring" : "free",
        billing_strategy: "schematic_managed",
        controlled_by: "schematic",
        currency_prices:
          monthly === undefined && yearly === undefined
            ? []
            : [{ currency: plan.currency, monthly_price: monthly, yearly_price: yearly }],
        ...(monthly === undefined ? {} : { monthly_price: monthly }),
        ...(yearly === undefined ? {} : { yearly_price: yearly }),
        credits: [],
        features: [],
        versions: [
          {
            id: `plvr_${plan.id.slice(5)}`,
            name: plan.name,
            description: plan.description,
            plan_type: plan.plan_type,
            icon: plan.icon,
            environment_id: ENVIRONMENT_ID,
            status: "published",
            version: 1,
            created_at: iso(plan.created_at),
            updated_at: iso(plan.updated_at)
          }
        ],
        created_at: iso(plan.created_at),
        updated_at: iso(plan.updated_at)
      }
    })
  })

export const plansById = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byId = new Map<string, PlanRow>()
    if (ids.length === 0) return byId
    const rows = yield* sql<PlanRow>`SELECT * FROM plans WHERE id IN ${sql.in(ids)}`
    for (const row of rows) byId.set(row.id, row)
    return byId
  })

/**
 * Sets a company's base plan and/or its full list of add-ons, recording each change in
 * `plan_subscriptions` so plan growth can be computed from history. `undefined` leaves a part as it is.
 */
export const assignPlans = (
  companyId: string,
  basePlanId: string | null | undefined,
  addOnIds: ReadonlyArray<string> | undefined,
  now: number,
  field: { base: string; addOns: string }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const wanted = [...(basePlanId ? [basePlanId] : []), ...(addOnIds ?? [])]
    const plans = yield* plansById(wanted)
    if (basePlanId) {
      const plan = plans.get(basePlanId)
      if (plan === undefined) return yield* badRequest(`${field.base}: no plan ${basePlanId}`)
      if (plan.plan_type !== "plan") return yield* badRequest(`${field.base}: ${basePlanId} is an add-on, not a plan`)
    }
    for (const [index, id] of (addOnIds ?? []).entries()) {
      const plan = plans.get(id)
      if (plan === undefined) return yield* badRequest(`${field.addOns}.${index}: no plan ${id}`)
      if (plan.plan_type !== "add_on") return yield* badRequest(`${field.addOns}.${index}: ${id} is not an add-on`)
    }
    if (basePlanId !== undefined) {
      const current = yield* sql<{
        base_plan_id: string | null
      }>`SELECT base_plan_id FROM companies WHERE id = ${companyId}`
      if ((current[0]?.base_plan_id ?? null) !== basePlanId) {
        yield* sql`UPDATE plan_subscriptions SET ended_at = ${now}
          WHERE company_id = ${companyId} AND kind = 'base' AND ended_at IS NULL`
        yield* sql`UPDATE companies SET base_plan_id = ${basePlanId}, base_plan_added_at = ${basePlanId ? now : null}
          WHERE id = ${companyId}`
        if (basePlanId) {
          yield* sql`INSERT INTO plan_subscriptions ${sql.insert({
            company_id: companyId,
            plan_id: basePlanId,
            kind: "base",
            started_at: now,
            ended_at: null
          })}`
        }
      }
    }
    if (addOnIds !== undefined) {
      const held = yield* sql<{ plan_id: string }>`SELECT plan_id FROM company_add_ons WHERE company_id = ${companyId}`
      const heldIds = new Set(held.map((row) => row.plan_id))
      const next = new Set(addOnIds)
      for (const id of heldIds) {
        if (next.has(id)) continue
        yield* sql`DELETE FROM company_add_ons WHERE company_id = ${companyId} AND plan_id = ${id}`
        yield* sql`UPDATE plan_subscriptions SET ended_at = ${now}
          WHERE company_id = ${companyId} AND plan_id = ${id} AND ended_at IS NULL`
      }
      for (const id of next) {
        if (heldIds.has(id)) continue
        yield* sql`INSERT INTO company_add_ons ${sql.insert({ company_id: companyId, plan_id: id, added_at: now })}`
        yield* sql`INSERT INTO plan_subscriptions ${sql.insert({
          company_id: companyId,
          plan_id: id,
          kind: "add_on",
          started_at: now,
          ended_at: null
        })}`
      }
    }
  })

/** Ends every subscription of a company that is being deleted (its history stays for plan growth). */
export const endSubscriptions = (companyId: string, now: number) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`UPDATE plan_subscriptions SET ended_at = ${now} WHERE company_id = ${companyId} AND ended_at IS NULL`
  )

/** Stores a plan or add-on. */
export const insertPlan = (input: typeof CreatePlan.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const row: PlanRow = {
      id: newId("plan"),
      name: input.name,
      description: input.description ?? "",
      plan_type: input.plan_type,
      icon: input.icon ?? "blue",
      monthly_price: input.monthly_price ?? null,
      yearly_price: input.yearly_price ?? null,
      currency: input.currency ?? "usd",
      created_at: now,
      updated_at: now
    }
    yield* sql`INSERT INTO plans ${sql.insert({ ...row })}`
    return row
  })

/** Plans and add-ons, by Schematic's paths. */
export const planRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/plans",
    listNewestFirst(
      {
        table: "plans",
        alias: "p",
        filter: readQuery((q) => {
          const planType = q.string("plan_type")
          if (planType !== undefined && planType !== "plan" && planType !== "add_on") {
            throw badRequest("plan_type: must be plan or add_on")
          }
          return {
            q: q.string("q"),
            ids: q.list("ids"),
            plan_type: planType,
            company_id: q.string("company_id"),
            ...q.page()
          }
        }),
        where: (sql, filter) => {
          const clauses = [sql`1 = 1`]
          if (filter.q) clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR id = ${filter.q})`)
          if (filter.ids.length > 0) clauses.push(sql`id IN ${sql.in(filter.ids)}`)
          if (filter.plan_type) clauses.push(sql`plan_type = ${filter.plan_type}`)
          if (filter.company_id) {
            clauses.push(sql`id IN (SELECT plan_id FROM plan_subscriptions WHERE company_id = ${filter.company_id}
              AND ended_at IS NULL)`)
          }
          return sql.and(clauses)
        }
      },
      renderPlans
    )
  ),
  HttpRouter.post(
    "/plans",
    Effect.gen(function* () {
      const input = yield* body(CreatePlan)
      const row = yield* insertPlan(input, Date.now())
      return yield* answerOne(Effect.succeed(row), renderPlans, {}, 201)
    })
  ),
  HttpRouter.get("/plans/:plan_id", getById("plan_id", rowById<PlanRow>("plans", "plan"), renderPlans))
)
