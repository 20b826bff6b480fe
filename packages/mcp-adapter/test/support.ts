/**
 * What the adapters' tests start alike: a Schematic client on a sandbox of its own, and a node:http listener on a
 * loopback port. The REST adapter's and the AI SDK's tests use it too (both packages already depend on what it does).
 */
import { createServer, type RequestListener } from "node:http"
import type { AddressInfo } from "node:net"
import { EventSink, type RequestObserver } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer, type Runtime } from "effect"

/** The client on a sandbox in memory on a free loopback port, with no rate budget (the sandbox is no account). */
export const sandboxClient = Layer.unwrapEffect(
  Effect.map(SchematicSandbox.url, (baseUrl) =>
    SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
  )
).pipe(Layer.provide(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" })))

/** What a listener's operations need: the client on its sandbox, and events sent straight to it. */
export const sandboxServices = EventSink.direct.pipe(Layer.provideMerge(sandboxClient))

/** Serves `listener` on a free loopback port until the scope closes: the port. */
export const listenOnLoopback = (listener: RequestListener) =>
  Effect.gen(function* () {
    const server = createServer(listener)
    yield* Effect.acquireRelease(
      Effect.promise(() => new Promise<void>((done) => server.listen(0, "127.0.0.1", done))),
      () => Effect.promise(() => new Promise<void>((done) => server.close(() => done())))
    )
    return (server.address() as AddressInfo).port
  })

/** An answer as the tests comparing a node:http listener with a web handler compare it. */
export interface Answer {
  readonly status: number
  /** The headers compared, each null when absent. */
  readonly headers: Record<string, string | null>
  readonly body: unknown
}

/**
 * An adapter (`McpHttp`, `RestApi`) served both ways, for the tests that compare the two: its node:http listener on
 * a loopback port, and its web handler on the test's runtime; each built with options of its own, that record its
 * request samples.
 */
export const servedBothWays = <Options, E, R, Handler>(
  adapter: {
    readonly listener: (options: Options) => Effect.Effect<RequestListener, E, R>
    readonly toWebHandler: (
      runtime: Runtime.Runtime<EventSink.EventSink | SchematicClient.SchematicClient>,
      options: Options
    ) => Handler
  },
  optionsFor: (samples: Array<RequestObserver.RequestSample>) => Options
) =>
  Effect.gen(function* () {
    const nodeSamples: Array<RequestObserver.RequestSample> = []
    const webSamples: Array<RequestObserver.RequestSample> = []
    const port = yield* listenOnLoopback(yield* adapter.listener(optionsFor(nodeSamples)))
    const handler = adapter.toWebHandler(
      yield* Effect.runtime<EventSink.EventSink | SchematicClient.SchematicClient>(),
      optionsFor(webSamples)
    )
    return { port, handler, nodeSamples, webSamples }
  })

/** Request samples as the comparing tests compare them: operation, transport and status. */
export const sampled = (samples: ReadonlyArray<RequestObserver.RequestSample>) =>
  samples.map((sample) => [sample.operation, sample.transport, sample.status])
