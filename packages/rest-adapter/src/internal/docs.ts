import { HttpApi, HttpApiScalar, HttpLayerRouter, OpenApi } from "@effect/platform"

/**
 * Interactive docs (Scalar, bundled with @effect/platform so they work offline) for a ready-made OpenAPI
 * document: an otherwise empty HttpApi whose generated document is replaced by ours.
 */
export const docsHandler = (document: Record<string, unknown>, path: `/${string}`) => {
  const api = HttpApi.make("capability").annotate(OpenApi.Transform, () => document as never)
  return HttpLayerRouter.toHttpEffect(HttpApiScalar.layerHttpLayerRouter({ api, path }))
}
