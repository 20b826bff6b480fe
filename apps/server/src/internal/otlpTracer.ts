/**
 * The OpenTelemetry SDK behind `Tracing.layer`, in a module of its own: loaded only when traces are wanted, so a
 * server without them does not hold the SDK in memory.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"

/** Effect's spans as OpenTelemetry's, batched to the OTLP endpoint. */
export const layer = (serviceName: string) =>
  NodeSdk.layer(() => ({
    resource: { serviceName },
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter())
  }))
