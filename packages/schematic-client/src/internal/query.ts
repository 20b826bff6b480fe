/**
 * Query strings as Schematic expects them: arrays as repeated keys (`ids=a&ids=b`), key maps as JSON in
 * one parameter (`keys={"stripe_id":"cus_1"}`), absent values left out.
 */
export const encodeQuery = (params: Readonly<Record<string, unknown>> | undefined): Array<[string, string]> => {
  const out: Array<[string, string]> = []
  if (params === undefined) return out
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      for (const item of value) out.push([name, String(item)])
    } else if (typeof value === "object") {
      out.push([name, JSON.stringify(value)])
    } else {
      out.push([name, String(value)])
    }
  }
  return out
}
