import { HttpRouter } from "@effect/platform"
import { deleteFeature, featureTable, getFeature, insertFeature, updateFeature } from "../domain/features.js"
import { create, deleteById, getById, listing, listNewestFirst, updateById } from "../http/response.js"
import { renderFeatures } from "../render/features.js"
import { CreateFeature, UpdateFeature } from "../wire.js"

const featureListing = listing(featureTable, (q) => ({
  q: q.string("q"),
  ids: q.list("ids"),
  feature_type: q.list("feature_type"),
  ...q.page()
}))

/** Features, by Schematic's paths. */
export const featureRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/features", listNewestFirst(featureListing, renderFeatures)),
  HttpRouter.post("/features", create(CreateFeature, insertFeature, renderFeatures)),
  HttpRouter.get("/features/:feature_id", getById("feature_id", getFeature, renderFeatures)),
  HttpRouter.put(
    "/features/:feature_id",
    updateById("feature_id", UpdateFeature, updateFeature, getFeature, renderFeatures)
  ),
  HttpRouter.del("/features/:feature_id", deleteById("feature_id", deleteFeature))
)
