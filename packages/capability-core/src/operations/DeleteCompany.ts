import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { deleting } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { Id } from "./inputs.js"

export const DeleteCompanyInput = Schema.Struct({ company_id: Id("comp_", "company to delete") })

export const Deleted = Schema.Struct({ deleted: Schema.Boolean, id: Schema.String })

export const deleteCompany = Operation.make({
  name: "delete-company",
  title: "Delete a company",
  description: 'Delete a company for good, with its keys and overrides. Example: {"company_id": "comp_123"}',
  input: DeleteCompanyInput,
  output: Deleted,
  hints: Operation.hints.deletesSchematic,
  scope: "admin",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "DELETE", paths: ["/v1/companies/{company_id}"], status: 200 },
  handler: (input) => deleting(input.company_id, (client, id) => client.companies.delete(id))
})
