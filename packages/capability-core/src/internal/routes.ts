import type { RestBinding } from "../Operation.js"

/**
 * The REST binding of an operation on one company: `/v1/companies/{company_id}<tail>` names the company by its id,
 * `/v1/companies/lookup<tail>` by any of its keys (`keys[stripe_customer_id]=cus_123` in the query string).
 */
export const companyRoute = (
  method: RestBinding["method"],
  tail: string,
  status: RestBinding["status"] = 200
): RestBinding => ({
  method,
  paths: [`/v1/companies/{company_id}${tail}`, `/v1/companies/lookup${tail}`],
  status
})
