/**
 * The Schematic API as an Effect service: one method per upstream operation, typed input and output,
 * typed errors, retries that never double a write, client-side rate budgets and paginated streams.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Chunk, Duration, Effect, Layer, Option, RateLimiter, Schema, Stream } from "effect"
import * as BillingModule from "./Billing.js"
import { Count, Deleted, type KeyMap, MAX_PAGE_SIZE } from "./Common.js"
import * as CompanyModule from "./Company.js"
import * as CompanyOverrideModule from "./CompanyOverride.js"
import * as CreditModule from "./Credit.js"
import * as EntitlementModule from "./Entitlement.js"
import * as EventModule from "./Event.js"
import * as FeatureModule from "./Feature.js"
import * as InsightsModule from "./Insights.js"
import { type Call, makeExecutor, type SchemaOf, validate } from "./internal/execute.js"
import * as PlanModule from "./Plan.js"
import { make as makeConfig, SchematicConfig, type SchematicConfigInput } from "./SchematicConfig.js"
import type { SchematicError } from "./SchematicError.js"
import * as SchematicTransport from "./SchematicTransport.js"
import * as UpstreamObserver from "./UpstreamObserver.js"
import * as UserModule from "./User.js"

type Result<A> = Effect.Effect<A, SchematicError>

const segment = (id: string) => encodeURIComponent(id)

const make = Effect.gen(function* () {
  const config = yield* SchematicConfig
  const transport = yield* SchematicTransport.SchematicTransport
  // One request every 1/N s rather than bursts of N: a burst at the end of one second and another at the
  // start of the next would put 2N requests into one upstream window.
  const limiterFor = (perSecond: number) =>
    perSecond > 0
      ? RateLimiter.make({ limit: 1, interval: Duration.millis(1000 / perSecond), algorithm: "token-bucket" })
      : Effect.succeed(<A, E, R>(effect: Effect.Effect<A, E, R>) => effect)
  const observer = yield* UpstreamObserver.UpstreamObserver
  /** A limiter that tells the observer how long each call waited on the budget. */
  const timed =
    (kind: "read" | "write", limiter: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
    <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.suspend(() => {
        const started = performance.now()
        return limiter(
          Effect.suspend(() => {
            observer.budgetWait(kind, (performance.now() - started) / 1000)
            return effect
          })
        )
      })
  const budget = (kind: "read" | "write", perSecond: number) =>
    Effect.map(limiterFor(perSecond), (limiter) =>
      perSecond > 0 && observer !== UpstreamObserver.none ? timed(kind, limiter) : limiter
    )
  const read = yield* budget("read", config.readsPerSecond)
  const write = yield* budget("write", config.writesPerSecond)
  const executor = makeExecutor(config, transport, { read, write }, observer)

  /** Validates the input against its schema, then runs the call built from it. */
  const checked = <I, A>(
    schema: Schema.Schema.AnyNoContext,
    input: I,
    what: string,
    call: (input: Readonly<Record<string, unknown>> | undefined) => Call<A>
  ) => {
    const validation = validate(schema, input ?? {}, what)
    const run = executor.run(call(input as Readonly<Record<string, unknown>> | undefined))
    return validation === undefined ? run : Effect.zipRight(validation, run)
  }

  const list = <P extends { readonly limit?: number | undefined; readonly offset?: number | undefined }, A>(
    schema: Schema.Schema.AnyNoContext,
    path: string,
    item: SchemaOf<A>
  ) => {
    const rows = Schema.Array(item)
    return (params?: P): Result<ReadonlyArray<A>> =>
      checked(schema, params, `${path} parameters`, (query) => ({
        method: "GET",
        path,
        query,
        success: rows,
        idempotent: true
      }))
  }

  const count =
    <P>(schema: Schema.Schema.AnyNoContext, path: string) =>
    (params?: P): Result<number> =>
      checked<P | undefined, Count>(schema, params, `${path} parameters`, (query) => ({
        method: "GET",
        path,
        query,
        success: Count,
        idempotent: true
      })).pipe(Effect.map((result) => result.count ?? 0))

  const get =
    <A>(path: string, item: SchemaOf<A>) =>
    (id: string): Result<A> =>
      executor.run({
        method: "GET",
        path: `${path}/${segment(id)}`,
        route: `${path}/{id}`,
        success: item,
        idempotent: true
      })

  /** DELETE is idempotent in intent, but a repeat after success answers 404: retry only what never landed. */
  const remove =
    (path: string) =>
    (id: string, query?: Readonly<Record<string, unknown>>): Result<boolean> =>
      executor
        .run({
          method: "DELETE",
          path: `${path}/${segment(id)}`,
          route: `${path}/{id}`,
          query,
          success: Deleted,
          idempotent: false
        })
        .pipe(Effect.map((result) => result.deleted))

  const lookup =
    <A>(path: string, item: SchemaOf<A>) =>
    (keys: KeyMap): Result<A> =>
      checked(Schema.Struct({ keys: CompanyModule.UpsertCompanyBody.fields.keys }), { keys }, `${path} keys`, () => ({
        method: "GET",
        path,
        query: { keys },
        success: item,
        idempotent: true
      }))

  const write1 =
    <B, A>(
      method: "POST" | "PUT",
      schema: Schema.Schema.AnyNoContext,
      path: string | ((id: string) => string),
      item: SchemaOf<A>,
      idempotent: (body: B) => boolean
    ) =>
    (body: B, id?: string): Result<A> =>
      checked(schema, body, `${typeof path === "string" ? path : path(":id")} body`, () => ({
        method,
        path: typeof path === "string" ? path : path(segment(id ?? "")),
        route: typeof path === "string" ? path : path("{id}"),
        body,
        success: item,
        idempotent: idempotent(body)
      }))

  /** Every row of a list, page after page (at most 250 a page), as a stream. */
  const paginate =
    <P extends { readonly limit?: number | undefined; readonly offset?: number | undefined }, A>(
      page: (params?: P) => Result<ReadonlyArray<A>>
    ) =>
    (params?: Omit<P, "limit" | "offset"> & { readonly pageSize?: number }): Stream.Stream<A, SchematicError> => {
      const { pageSize = MAX_PAGE_SIZE, ...filters } = params ?? {}
      return Stream.paginateChunkEffect(0, (offset) =>
        page({ ...filters, limit: pageSize, offset } as unknown as P).pipe(
          Effect.map((rows) => [
            Chunk.fromIterable(rows),
            rows.length < pageSize ? Option.none<number>() : Option.some(offset + pageSize)
          ])
        )
      )
    }

  const always = () => true
  const never = () => false

  /** A PUT to a resource named by its id (`path` makes its path from the id): repeating it changes nothing. */
  const put =
    <B, A>(schema: Schema.Schema.AnyNoContext, path: (id: string) => string, item: SchemaOf<A>) =>
    (id: string, body: B): Result<A> =>
      write1<B, A>("PUT", schema, path, item, always)(body, id)

  /**
   * A resource's writes at `path`: create (POST, not retried after an ambiguous failure: a repeat would create a
   * second), update (PUT to `path/{id}`) and delete.
   */
  const createUpdateDelete = <C, U, A>(
    path: string,
    createBody: Schema.Schema.AnyNoContext,
    updateBody: Schema.Schema.AnyNoContext,
    item: SchemaOf<A>
  ) => ({
    create: write1<C, A>("POST", createBody, path, item, never),
    update: put<U, A>(updateBody, (id) => `${path}/${id}`, item),
    delete: (id: string) => remove(path)(id)
  })

  /**
   * What companies and users both have at `path`: a list (and its stream), a count, an upsert by keys (matching on
   * any key, so a repeat cannot create a second one), a read by id and a lookup by any key.
   */
  const keyedEntities = <
    L extends { readonly limit?: number | undefined; readonly offset?: number | undefined },
    C,
    U,
    A
  >(
    path: string,
    schemas: {
      readonly list: Schema.Schema.AnyNoContext
      readonly count: Schema.Schema.AnyNoContext
      readonly upsert: Schema.Schema.AnyNoContext
    },
    item: SchemaOf<A>
  ) => {
    const listed = list<L, A>(schemas.list, path, item)
    return {
      list: listed,
      stream: paginate(listed),
      count: count<C>(schemas.count, `${path}/count`),
      upsert: write1<U, A>("POST", schemas.upsert, path, item, always),
      get: get(path, item),
      lookup: lookup(`${path}/lookup`, item)
    }
  }

  const eventsList = list<EventModule.ListEventsParams, EventModule.Event>(
    EventModule.ListEventsParams,
    "/events",
    EventModule.Event
  )
  const featuresList = list<FeatureModule.ListFeaturesParams, FeatureModule.Feature>(
    FeatureModule.ListFeaturesParams,
    "/features",
    FeatureModule.Feature
  )
  const plansList = list<PlanModule.ListPlansParams, PlanModule.Plan>(
    PlanModule.ListPlansParams,
    "/plans",
    PlanModule.Plan
  )
  const overridesList = list<CompanyOverrideModule.ListCompanyOverridesParams, CompanyOverrideModule.CompanyOverride>(
    CompanyOverrideModule.ListCompanyOverridesParams,
    "/company-overrides",
    CompanyOverrideModule.CompanyOverride
  )
  const featureCompaniesList = list<EntitlementModule.FeatureCompaniesParams, EntitlementModule.FeatureCompany>(
    EntitlementModule.FeatureCompaniesParams,
    "/feature-companies",
    EntitlementModule.FeatureCompany
  )
  const planEntitlementsList = list<EntitlementModule.ListPlanEntitlementsParams, EntitlementModule.PlanEntitlement>(
    EntitlementModule.ListPlanEntitlementsParams,
    "/plan-entitlements",
    EntitlementModule.PlanEntitlement
  )
  const customersList = list<BillingModule.ListCustomersParams, BillingModule.Customer>(
    BillingModule.ListCustomersParams,
    "/billing/customers",
    BillingModule.Customer
  )
  const creditTypesList = list<CreditModule.ListCreditTypesParams, CreditModule.CreditType>(
    CreditModule.ListCreditTypesParams,
    "/billing/credits",
    CreditModule.CreditType
  )
  const companyGrantsList = list<CreditModule.ListCompanyGrantsParams, CreditModule.Grant>(
    CreditModule.ListCompanyGrantsParams,
    "/billing/credits/grants/company/list",
    CreditModule.Grant
  )
  const ledgerList = list<CreditModule.LedgerParams, CreditModule.LedgerEntry>(
    CreditModule.LedgerParams,
    "/v2/billing/credits/ledger",
    CreditModule.LedgerEntry
  )
  const eventTypesList = list<EventModule.ListEventTypesParams, EventModule.EventSummary>(
    EventModule.ListEventTypesParams,
    "/event-types",
    EventModule.EventSummary
  )

  return {
    companies: {
      ...keyedEntities<
        CompanyModule.ListCompaniesParams,
        CompanyModule.CountCompaniesParams,
        CompanyModule.UpsertCompanyBody,
        CompanyModule.Company
      >(
        "/companies",
        {
          list: CompanyModule.ListCompaniesParams,
          count: CompanyModule.CountCompaniesParams,
          upsert: CompanyModule.UpsertCompanyBody
        },
        CompanyModule.Company
      ),
      delete: (id: string, params?: CompanyModule.DeleteCompanyParams) => remove("/companies")(id, params),
      /** Sets the base plan and the full list of add-ons (PUT: repeating it changes nothing). */
      updatePlans: put<CompanyModule.UpdateCompanyPlansBody, CompanyModule.Company>(
        CompanyModule.UpdateCompanyPlansBody,
        (id) => `/company-plans/${id}`,
        CompanyModule.Company
      )
    },
    users: {
      ...keyedEntities<
        UserModule.ListUsersParams,
        UserModule.CountUsersParams,
        UserModule.UpsertUserBody,
        UserModule.User
      >(
        "/users",
        { list: UserModule.ListUsersParams, count: UserModule.CountUsersParams, upsert: UserModule.UpsertUserBody },
        UserModule.User
      ),
      delete: (id: string) => remove("/users")(id)
    },
    events: {
      /** Retried after an ambiguous failure only when it carries an idempotency key (upstream dedupes it). */
      create: write1<EventModule.CreateEventBody, EventModule.RawEvent>(
        "POST",
        EventModule.CreateEventBody,
        "/events",
        EventModule.RawEvent,
        (event) => typeof event.idempotency_key === "string"
      ),
      /** At most 1000 events; retried after an ambiguous failure only when every event has an idempotency key. */
      createBatch: write1<EventModule.CreateEventBatchBody, EventModule.RawEventBatch>(
        "POST",
        EventModule.CreateEventBatchBody,
        "/event-batch",
        EventModule.RawEventBatch,
        (batch) => batch.events.every((event) => typeof event.idempotency_key === "string")
      ),
      list: eventsList,
      stream: paginate(eventsList),
      get: get("/events", EventModule.Event),
      types: eventTypesList
    },
    features: {
      list: featuresList,
      stream: paginate(featuresList),
      get: get("/features", FeatureModule.Feature),
      create: write1<FeatureModule.CreateFeatureBody, FeatureModule.Feature>(
        "POST",
        FeatureModule.CreateFeatureBody,
        "/features",
        FeatureModule.Feature,
        never
      )
    },
    plans: {
      list: plansList,
      stream: paginate(plansList),
      get: get("/plans", PlanModule.Plan),
      create: write1<PlanModule.CreatePlanBody, PlanModule.Plan>(
        "POST",
        PlanModule.CreatePlanBody,
        "/plans",
        PlanModule.Plan,
        never
      ),
      delete: (id: string) => remove("/plans")(id),
      /** Links a plan to its billing product, prices and trial (PUT: repeating it changes nothing). */
      setBilling: put<PlanModule.UpsertPlanBillingBody, PlanModule.PlanBilling>(
        PlanModule.UpsertPlanBillingBody,
        (id) => `/plans/${id}/billing_products`,
        PlanModule.PlanBilling
      )
    },
    planEntitlements: {
      list: planEntitlementsList,
      stream: paginate(planEntitlementsList),
      ...createUpdateDelete<
        EntitlementModule.CreatePlanEntitlementBody,
        EntitlementModule.UpdatePlanEntitlementBody,
        EntitlementModule.PlanEntitlement
      >(
        "/plan-entitlements",
        EntitlementModule.CreatePlanEntitlementBody,
        EntitlementModule.UpdatePlanEntitlementBody,
        EntitlementModule.PlanEntitlement
      )
    },
    billing: {
      /** Upsert by the billing system's customer id (Stripe's `cus_...`). */
      upsertCustomer: write1<BillingModule.UpsertCustomerBody, BillingModule.Customer>(
        "POST",
        BillingModule.UpsertCustomerBody,
        "/billing/customer/upsert",
        BillingModule.Customer,
        always
      ),
      listCustomers: customersList,
      /** Upsert by the billing system's subscription id (Stripe's `sub_...`). */
      upsertSubscription: write1<BillingModule.UpsertSubscriptionBody, BillingModule.Subscription>(
        "POST",
        BillingModule.UpsertSubscriptionBody,
        "/billing/subscription/upsert",
        BillingModule.Subscription,
        always
      ),
      upsertProduct: write1<BillingModule.UpsertProductBody, BillingModule.Product>(
        "POST",
        BillingModule.UpsertProductBody,
        "/billing/product/upsert",
        BillingModule.Product,
        always
      )
    },
    credits: {
      listTypes: creditTypesList,
      getType: get("/billing/credits", CreditModule.CreditType),
      createType: write1<CreditModule.CreateCreditTypeBody, CreditModule.CreditType>(
        "POST",
        CreditModule.CreateCreditTypeBody,
        "/billing/credits",
        CreditModule.CreditType,
        never
      ),
      /** Gives a company credits; not idempotent upstream: a repeat grants again. */
      grant: write1<CreditModule.GrantCreditsBody, CreditModule.Grant>(
        "POST",
        CreditModule.GrantCreditsBody,
        "/billing/credits/grants/company",
        CreditModule.Grant,
        never
      ),
      companyGrants: companyGrantsList,
      streamCompanyGrants: paginate(companyGrantsList),
      /** What a company can draw now, per credit type (not paged). */
      balances: (companyId: string): Result<ReadonlyArray<CreditModule.Balance>> =>
        executor.run({
          method: "GET",
          path: "/billing/credits/balance",
          query: { company_id: companyId },
          success: Schema.Array(CreditModule.Balance),
          idempotent: true
        }),
      ledger: ledgerList
    },
    companyOverrides: {
      list: overridesList,
      stream: paginate(overridesList),
      count: count<CompanyOverrideModule.CountCompanyOverridesParams>(
        CompanyOverrideModule.CountCompanyOverridesParams,
        "/company-overrides/count"
      ),
      get: get("/company-overrides", CompanyOverrideModule.CompanyOverride),
      ...createUpdateDelete<
        CompanyOverrideModule.CreateCompanyOverrideBody,
        CompanyOverrideModule.UpdateCompanyOverrideBody,
        CompanyOverrideModule.CompanyOverride
      >(
        "/company-overrides",
        CompanyOverrideModule.CreateCompanyOverrideBody,
        CompanyOverrideModule.UpdateCompanyOverrideBody,
        CompanyOverrideModule.CompanyOverride
      )
    },
    entitlements: {
      /** Each feature one company may use (by `company_id` or `company_keys`), with its usage and allocation. */
      featureUsage: list<EntitlementModule.FeatureUsageParams, EntitlementModule.FeatureUsage>(
        EntitlementModule.FeatureUsageParams,
        "/feature-usage",
        EntitlementModule.FeatureUsage
      ),
      /** The companies that hold a feature, with their usage and allocation. */
      featureCompanies: featureCompaniesList,
      streamFeatureCompanies: paginate(featureCompaniesList),
      /** What each plan grants (also `planEntitlements.list`). */
      planEntitlements: planEntitlementsList,
      streamPlanEntitlements: paginate(planEntitlementsList)
    },
    flags: {
      list: list<EntitlementModule.ListFlagsParams, EntitlementModule.FlagDetail>(
        EntitlementModule.ListFlagsParams,
        "/flags",
        EntitlementModule.FlagDetail
      ),
      /** Whether a company (or user) may use the flag's feature now, and the entitlement behind the answer. */
      check: (key: string, body: EntitlementModule.CheckFlagBody): Result<EntitlementModule.FlagCheck> =>
        checked(EntitlementModule.CheckFlagBody, body, "flag check body", () => ({
          method: "POST",
          path: `/flags/${segment(key)}/check`,
          route: "/flags/{key}/check",
          body,
          success: EntitlementModule.FlagCheck,
          idempotent: true
        })),
      /** Every flag for each of up to 100 companies (or users) at once. */
      checkBulk: (body: EntitlementModule.CheckFlagsBulkBody): Result<ReadonlyArray<EntitlementModule.FlagChecks>> =>
        checked(EntitlementModule.CheckFlagsBulkBody, body, "bulk flag check body", () => ({
          method: "POST",
          path: "/flags/check-bulk",
          body,
          success: EntitlementModule.FlagChecksBulk,
          idempotent: true
        })).pipe(Effect.map((result) => result.data))
    },
    insights: {
      summary: (): Result<InsightsModule.InsightsSummary> =>
        executor.run({
          method: "GET",
          path: "/insights/summary",
          success: InsightsModule.InsightsSummary,
          idempotent: true
        }),
      planGrowth: (params?: InsightsModule.PlanGrowthParams): Result<InsightsModule.PlanGrowth> =>
        checked(InsightsModule.PlanGrowthParams, params, "plan-growth parameters", (query) => ({
          method: "GET",
          path: "/insights/plan-growth",
          query,
          success: InsightsModule.PlanGrowth,
          idempotent: true
        })),
      topFeatures: (params: InsightsModule.TopFeaturesParams): Result<InsightsModule.TopFeatures> =>
        checked(InsightsModule.TopFeaturesParams, params, "top-features parameters", (query) => ({
          method: "GET",
          path: "/insights/top-features",
          query,
          success: InsightsModule.TopFeatures,
          idempotent: true
        }))
    }
  }
})

/**
 * The client service. `SchematicClient.Default` needs a {@link SchematicConfig} and sends with undici;
 * `SchematicClient.DefaultWithoutDependencies` also needs a `SchematicTransport` of your choice.
 *
 * @since 0.1.0
 */
export class SchematicClient extends Effect.Service<SchematicClient>()(
  "@schematic-capability/schematic-client/SchematicClient",
  { scoped: make, dependencies: [SchematicTransport.layerUndici] }
) {}

/**
 * A complete client layer from explicit configuration values. It sends with undici unless given an
 * Effect `HttpClient` layer to send through instead (`FetchHttpClient.layer`, or one with your middleware).
 */
export const layer = (
  config: SchematicConfigInput,
  httpClient?: Layer.Layer<HttpClient.HttpClient>
): Layer.Layer<SchematicClient> =>
  SchematicClient.DefaultWithoutDependencies.pipe(
    Layer.provide(Layer.sync(SchematicConfig, () => makeConfig(config))),
    Layer.provide(
      httpClient === undefined ? SchematicTransport.layerUndici : SchematicTransport.layerHttpClient(httpClient)
    )
  )
