// The capability embedded in a plain Node script: no server, no account, no Effect. `{ sandbox: true }` starts
// Schematic's API from SQLite in this process (with the demo dataset here); `{ apiKey }` would use Schematic.
import { CapabilityError, createCapability } from "@schematic-capability/sdk"

const cap = createCapability({ sandbox: true, seed: "demo" })
try {
  const { companies, total } = await cap.listCompanies({ limit: 3 })
  console.log(`${total} companies in the demo; the first ${companies.length}:`)
  for (const company of companies) console.log(`  ${company.name} (${company.plan?.name ?? "no plan"})`)

  const acme = await cap.upsertCompany({ keys: { crm_id: "example-1" }, name: "Example Inc" })
  const event = await cap.createEvent({ event_type: "track", body: { event: "api-call", company: acme.keys } })
  console.log(`Created ${acme.name} (${acme.id}); usage event ${event.status}`)

  await cap.getCompany({ keys: { crm_id: "" } })
} catch (error) {
  if (!(error instanceof CapabilityError)) throw error
  console.log(`Refused as expected: ${error.code} (${error.message})`)
} finally {
  await cap.close()
}
