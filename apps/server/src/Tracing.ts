/**
 * Traces over OTLP, when the standard OpenTelemetry variables ask for them: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`.
 * The exporter (OTLP over HTTP) reads the other `OTEL_EXPORTER_OTLP_*` variables itself (headers, timeout), and the
 * batch processor the `OTEL_BSP_*` ones. Without them, no tracer: requests pay nothing for tracing.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"

type Environment = Readonly<Record<string, string | undefined>>

/** Whether the environment asks for traces. */
export const wanted = (env: Environment): boolean =>
  env.OTEL_SDK_DISABLED !== "true" &&
  env.OTEL_TRACES_EXPORTER !== "none" &&
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)

/** The tracer: Effect's spans as OpenTelemetry's, batched to the OTLP endpoint. */
export const layer = (env: Environment) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: env.OTEL_SERVICE_NAME ?? "schematic-capability" },
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter())
  }))
