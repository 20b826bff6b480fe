import {
  HttpApi,
  HttpApiScalar,
  HttpLayerRouter,
  HttpServerRequest,
  HttpServerResponse,
  OpenApi
} from "@effect/platform"
import { Effect } from "effect"

/**
 * Interactive docs (Scalar, bundled with @effect/platform so they work offline) for a ready-made OpenAPI
 * document: an otherwise empty HttpApi whose generated document is replaced by ours, rendered once to HTML.
 */
export const docsPage = (document: Record<string, unknown>, path: `/${string}`) =>
  Effect.gen(function* () {
    const api = HttpApi.make("capability").annotate(OpenApi.Transform, () => document as never)
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
  })
