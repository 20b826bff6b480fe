import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { expect, it } from "vitest"

const main = fileURLToPath(new URL("../main.mjs", import.meta.url))

it("the example runs with plain Node and prints the demo's companies, a new one, and a refusal", async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [main], { timeout: 20_000 })
  const lines = stdout.trim().split("\n")
  expect(lines[0]).toMatch(/^\d+ companies in the demo; the first 3:$/)
  expect(lines.slice(1, 4)).toHaveLength(3)
  for (const line of lines.slice(1, 4)) expect(line).toMatch(/^ {2}\S.* \(.+\)$/)
  expect(lines[4]).toMatch(/^Created Example Inc \(comp_\w+\); usage event delivered$/)
  expect(lines[5]).toMatch(/^Refused as expected: invalid_input \(Invalid input: keys\.crm_id: must be text/)
  expect(stderr).toBe("")
})
