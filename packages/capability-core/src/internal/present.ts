/**
 * The fields that hold a value. Optional fields must be absent rather than `undefined` (exactOptionalPropertyTypes,
 * and Schematic's schemas), so an input's optional fields are passed on through this.
 */
export const present = <T extends Record<string, unknown>>(
  fields: T
): { [K in keyof T]?: Exclude<T[K], undefined> } => {
  const out: Record<string, unknown> = {}
  for (const key in fields) if (fields[key] !== undefined) out[key] = fields[key]
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }
}
