/**
 * @since 0.1.0
 */
export * as OpenApiDocument from "./OpenApiDocument.js"
export * as RestApi from "./RestApi.js"
