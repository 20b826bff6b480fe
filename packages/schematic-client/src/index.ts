/**
 * @since 0.1.0
 */
export * as Billing from "./Billing.js"
export * as Common from "./Common.js"
export * as Company from "./Company.js"
export * as CompanyOverride from "./CompanyOverride.js"
export * as Credit from "./Credit.js"
export * as Entitlement from "./Entitlement.js"
export * as Event from "./Event.js"
export * as Feature from "./Feature.js"
export * as Insights from "./Insights.js"
export * as Plan from "./Plan.js"
export * as SchematicClient from "./SchematicClient.js"
export * as SchematicConfig from "./SchematicConfig.js"
export * as SchematicError from "./SchematicError.js"
export * as SchematicTransport from "./SchematicTransport.js"
export * as UpstreamObserver from "./UpstreamObserver.js"
export * as User from "./User.js"
