import { writeFileSync } from "node:fs"

/** A CRM export's columns as the sync command maps them: the Stripe id as the key, the name, and three traits. */
export const crmMapping = [
  "--key",
  "stripe_customer_id=Stripe ID",
  "--name",
  "Company",
  "--trait",
  "seats=Seats",
  "--trait",
  "tier=Plan tier",
  "--trait",
  "active=Active"
]

/**
 * Writes a CRM export to `path`: `count` companies with a Stripe id (`<prefix>_<n>`), a name with a comma, and
 * traits of three types.
 */
export const writeCrmExport = (path: string, count: number, prefix = "cus") => {
  const lines = ["Stripe ID,Company,Seats,Plan tier,Active"]
  for (let i = 0; i < count; i++) {
    lines.push(`${prefix}_${i},"Company ${i}, Inc",${i % 50},tier-${i % 3},${i % 2 === 0}`)
  }
  writeFileSync(path, `${lines.join("\n")}\n`)
  return path
}
