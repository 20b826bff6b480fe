import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Effect } from "effect"

/**
 * Interactive docs (Scalar, bundled with @effect/platform so they work offline) for a ready-made OpenAPI
 * document, rendered when first asked for: nothing is loaded before, and one copy of the page is kept after.
 *
 * The bundle (megabytes of script) is read as text from @effect/platform's file instead of imported: an imported
 * module keeps its source and the string it exports for as long as the process lives, two copies beside the page.
 * The page keeps Scalar's HTML (see `HttpApiScalar`) with every character past U+00FF escaped (`\uXXXX` in the
 * script and the JSON, `&#x…;` in the HTML), so V8 holds it in one byte a character rather than two: the bundle's
 * such characters are all in string and untagged template literals, where an escape means the same.
 * Should that file not be where it was, the page is rendered through `HttpApiScalar` itself, as before.
 */
export const docsPage = (document: Record<string, unknown>, path: `/${string}`): Effect.Effect<string> => {
  let page: string | undefined
  let rendering: Promise<string> | undefined
  const render = () => {
    rendering ??= renderPage(document, path).then(
      (rendered) => {
        page = rendered
        rendering = undefined
        return rendered
      },
      (error) => {
        rendering = undefined
        throw error
      }
    )
    return rendering
  }
  return Effect.suspend(() => (page === undefined ? Effect.promise(render) : Effect.succeed(page)))
}

const renderPage = async (document: Record<string, unknown>, path: `/${string}`) => {
  const bundle = await readBundle()
  return bundle === undefined ? renderWithPlatform(document, path) : oneByte(html(document, bundle))
}

/** Scalar's script, from the module `@effect/platform/HttpApiScalar` gets it from; nothing if it is not there. */
const readBundle = async (): Promise<string | undefined> => {
  try {
    const entry = createRequire(import.meta.url).resolve("@effect/platform/HttpApiScalar")
    const source = await readFile(join(dirname(entry), "internal", "httpApiScalar.js"), "utf8")
    // `export const javascript="…"` (or `exports.javascript="…"`): a string literal that is also JSON.
    const opening = /javascript\s*=\s*"/.exec(source)
    const start = opening === null ? -1 : opening.index + opening[0].length - 1
    const end = source.lastIndexOf('"')
    const bundle: unknown = start < 0 || end <= start ? undefined : JSON.parse(source.slice(start, end + 1))
    return typeof bundle === "string" && bundle.length > 0 ? bundle : undefined
  } catch {
    return undefined
  }
}

// The page `HttpApiScalar` renders for an inline bundle (see its `makeHandler`), with the escapes of its
// `internal/html.js`.
const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const escapeAttribute = (text: string) => escapeText(text).replace(/"/g, "&quot;").replace(/'/g, "&#39;")
const escapeJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/[\u2028\u2029]/g, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"))

const html = (document: Record<string, unknown>, bundle: string) => {
  const info = (document.info ?? {}) as { readonly title?: string; readonly description?: string }
  const title = info.title ?? "Api"
  const description = info.description
  return {
    head: `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>${escapeText(title)}</title>
    ${!description ? "" : `<meta name="description" content="${escapeAttribute(description)}"/>`}
    ${!description ? "" : `<meta name="og:description" content="${escapeAttribute(description)}"/>`}
    <meta
      name="viewport"
      content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <script id="api-reference" type="application/json">
      `,
    json: escapeJson(document),
    middle: `
    </script>
    <script>
      document.getElementById('api-reference').dataset.configuration = JSON.stringify(${escapeJson({ _integration: "html" })})
    </script>
    <script>`,
    script: bundle,
    tail: `</script>
  </body>
</html>`
  }
}

const WIDE = /[\u0100-\uffff]/g
const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`

/**
 * The page as one flat string of one-byte characters: a character past U+00FF becomes its escape (each half of a
 * surrogate pair its own, which JavaScript and JSON join again; a pair in the HTML is joined first).
 */
const oneByte = (page: ReturnType<typeof html>) => {
  const markup = (text: string) =>
    text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\u0100-\uffff]/g, (c) => `&#x${c.codePointAt(0)!.toString(16)};`)
  const joined =
    markup(page.head) +
    page.json.replace(WIDE, unicodeEscape) +
    markup(page.middle) +
    page.script.replace(WIDE, unicodeEscape) +
    markup(page.tail)
  // A sum of strings is a tree of its parts until something flattens it; a copy through a buffer is flat.
  return Buffer.from(joined, "latin1").toString("latin1")
}

/**
 * The page rendered by `HttpApiScalar` (which imports the bundle): an empty HttpApi whose document is ours. Its
 * modules, `effect` with them, are named in a variable so that a bundler leaves them out of any bundle: they are
 * loaded from the installed packages, and only here.
 */
const renderWithPlatform = async (document: Record<string, unknown>, path: `/${string}`) => {
  const load = (module: string): Promise<unknown> => import(module)
  const [Effect, HttpApi, HttpApiScalar, HttpLayerRouter, HttpServerRequest, HttpServerResponse, OpenApi] =
    (await Promise.all(
      [
        "effect/Effect",
        "@effect/platform/HttpApi",
        "@effect/platform/HttpApiScalar",
        "@effect/platform/HttpLayerRouter",
        "@effect/platform/HttpServerRequest",
        "@effect/platform/HttpServerResponse",
        "@effect/platform/OpenApi"
      ].map(load)
    )) as [
      typeof import("effect/Effect"),
      typeof import("@effect/platform/HttpApi"),
      typeof import("@effect/platform/HttpApiScalar"),
      typeof import("@effect/platform/HttpLayerRouter"),
      typeof import("@effect/platform/HttpServerRequest"),
      typeof import("@effect/platform/HttpServerResponse"),
      typeof import("@effect/platform/OpenApi")
    ]
  const api = HttpApi.make("capability").annotate(OpenApi.Transform, () => document as never)
  return Effect.runPromise(
    Effect.gen(function* () {
      const app = yield* HttpLayerRouter.toHttpEffect(HttpApiScalar.layerHttpLayerRouter({ api, path }))
      const response = yield* app.pipe(
        Effect.provideService(
          HttpServerRequest.HttpServerRequest,
          HttpServerRequest.fromWeb(new Request(`http://localhost${path}`))
        ),
        Effect.scoped,
        Effect.orDie
      )
      return yield* Effect.promise(() => HttpServerResponse.toWeb(response).text())
    }).pipe(Effect.scoped)
  )
}
