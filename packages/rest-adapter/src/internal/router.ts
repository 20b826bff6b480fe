/**
 * Routes by method and path. A fixed path is one map lookup; a path with parameters (`/v1/companies/{company_id}`)
 * is matched segment by segment, after the fixed ones and literal segments before parameters, so `/v1/companies/lookup`
 * and `/v1/companies/lookup/usage` are never read as a company id.
 */

export type Params = Readonly<Record<string, string>>

export type Found<Route> =
  | { readonly _tag: "Found"; readonly route: Route; readonly params: Params }
  | { readonly _tag: "WrongMethod"; readonly allowed: ReadonlyArray<string> }
  | { readonly _tag: "NotFound" }

interface Template<Route> {
  readonly method: string
  /** Each segment: literal text, or `null` where a parameter stands. */
  readonly segments: ReadonlyArray<string | null>
  readonly names: ReadonlyArray<string>
  readonly route: Route
}

const PARAMETER = /^\{(\w+)\}$/

/** The names of a path's parameters, in order: `/v1/companies/{company_id}` has `company_id`. */
export const parametersOf = (path: string): ReadonlyArray<string> =>
  path.split("/").flatMap((segment) => {
    const match = PARAMETER.exec(segment)
    return match === null ? [] : [match[1]!]
  })

/**
 * Where two templates differ first, the one with literal text there comes first: `/v1/companies/lookup/usage` is
 * matched by its own template, not read as `/v1/companies/{company_id}/usage`.
 */
const literalFirst = (a: { readonly segments: ReadonlyArray<string | null> }, b: typeof a): number => {
  for (let index = 0; index < Math.min(a.segments.length, b.segments.length); index++) {
    const left = a.segments[index]
    const right = b.segments[index]
    if ((left === null) !== (right === null)) return left === null ? 1 : -1
  }
  return 0
}

export const make = <Route>() => {
  const fixed = new Map<string, Route>()
  const fixedMethods = new Map<string, Array<string>>()
  const templates: Array<Template<Route>> = []

  const add = (method: string, path: string, route: Route) => {
    const names = parametersOf(path)
    if (names.length === 0) {
      fixed.set(`${method} ${path}`, route)
      fixedMethods.set(path, [...(fixedMethods.get(path) ?? []), method])
      return
    }
    const segments = path.split("/").map((segment) => (PARAMETER.test(segment) ? null : segment))
    templates.push({ method, segments, names, route })
    templates.sort(literalFirst)
  }

  /** The parameters of `path` under `template`, or undefined when it does not match. */
  const match = (template: Template<Route>, parts: ReadonlyArray<string>): Params | undefined => {
    if (parts.length !== template.segments.length) return undefined
    const params: Record<string, string> = Object.create(null)
    let name = 0
    for (const [index, segment] of template.segments.entries()) {
      const part = parts[index]!
      if (segment !== null) {
        if (segment !== part) return undefined
        continue
      }
      if (part === "") return undefined
      let value: string
      try {
        value = decodeURIComponent(part)
      } catch {
        return undefined
      }
      params[template.names[name++]!] = value
    }
    return params
  }

  const find = (method: string, path: string): Found<Route> => {
    const route = fixed.get(`${method} ${path}`)
    if (route !== undefined) return { _tag: "Found", route, params: {} }
    const allowed = fixedMethods.get(path)
    if (allowed !== undefined) return { _tag: "WrongMethod", allowed }
    const parts = path.split("/")
    const methods: Array<string> = []
    for (const template of templates) {
      const params = match(template, parts)
      if (params === undefined) continue
      if (template.method === method) return { _tag: "Found", route: template.route, params }
      methods.push(template.method)
    }
    return methods.length > 0 ? { _tag: "WrongMethod", allowed: methods } : { _tag: "NotFound" }
  }

  return { add, find }
}
