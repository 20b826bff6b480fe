/**
 * Traces over OTLP, when the standard OpenTelemetry variables ask for them: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`.
 * The exporter (OTLP over HTTP) reads the other `OTEL_EXPORTER_OTLP_*` variables itself (headers, timeout), and the
 * batch processor the `OTEL_BSP_*` ones. Without them, no tracer: requests pay nothing for tracing, and the SDK is
 * not even loaded.
 */
import { Effect, Layer } from "effect"

type Environment = Readonly<Record<string, string | undefined>>

/** Whether the environment asks for traces. */
export const wanted = (env: Environment): boolean =>
  env.OTEL_SDK_DISABLED !== "true" &&
  env.OTEL_TRACES_EXPORTER !== "none" &&
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)

/** The tracer, named by `OTEL_SERVICE_NAME` (default `schematic-capability`). */
export const layer = (env: Environment) =>
  Layer.unwrapEffect(
    Effect.map(
      Effect.promise(() => import("./internal/otlpTracer.js")),
      (sdk) => sdk.layer(env.OTEL_SERVICE_NAME ?? "schematic-capability")
    )
  )
