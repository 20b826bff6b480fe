/**
 * An agent over the Schematic capability with the Vercel AI SDK: it answers a question about your customers by
 * calling the capability's tools.
 *
 *   pnpm --filter @schematic-capability/example-ai-sdk start ["Which companies are close to their API calls limit?"]
 *
 * The model: OpenAI when OPENAI_API_KEY is set (OPENAI_MODEL, gpt-4o-mini by default); otherwise a scripted model
 * that calls one tool and summarises its result, so the example runs anywhere, offline. Schematic: your account when
 * SCHEMATIC_API_KEY is set; otherwise the sandbox with its demo data, in this process.
 */
import { openai } from "@ai-sdk/openai"
import { schematicInstructions, schematicTools } from "@schematic-capability/ai-sdk"
import { EventSink } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { generateText, type LanguageModel, stepCountIs } from "ai"
import { MockLanguageModelV3 } from "ai/test"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"

const question = process.argv[2] ?? "Which companies are close to their API calls limit?"

const schematic = process.env.SCHEMATIC_API_KEY
  ? SchematicClient.layer({ apiKey: Redacted.make(process.env.SCHEMATIC_API_KEY) })
  : Layer.unwrapEffect(
      Effect.map(SchematicSandbox.url, (baseUrl) => SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl }))
    ).pipe(Layer.provide(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", seed: "demo" })))

// The tools' services: the Schematic client, and usage events sent straight to Schematic.
const runtime = ManagedRuntime.make(EventSink.direct.pipe(Layer.provideMerge(schematic)))

interface NearLimit {
  readonly feature_name: string
  readonly companies: ReadonlyArray<{ readonly company: { readonly name: string }; readonly percent_used: number }>
}

/** A stand-in for a real model: it looks for companies near the API calls limit, then says what it found. */
const scriptedModel = () =>
  new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const usage = {
        inputTokens: { total: 0, noCache: 0, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 0, text: 0, reasoning: undefined }
      }
      const result = prompt
        .flatMap((message) => (message.role === "tool" ? message.content : []))
        .find((part) => part.type === "tool-result")
      if (result === undefined) {
        return {
          content: [
            {
              type: "tool-call",
              toolCallId: "call-1",
              toolName: "find-companies-near-limit",
              input: JSON.stringify({ feature_key: "api-calls", limit: 5 })
            }
          ],
          finishReason: { unified: "tool-calls", raw: undefined },
          usage,
          warnings: []
        }
      }
      const text =
        result.output.type === "json"
          ? summary(result.output.value as unknown as NearLimit)
          : `The tool failed: ${JSON.stringify(result.output)}`
      return {
        content: [{ type: "text", text }],
        finishReason: { unified: "stop", raw: undefined },
        usage,
        warnings: []
      }
    }
  })

const summary = (found: NearLimit) =>
  found.companies.length === 0
    ? `No company is past 80% of its ${found.feature_name} limit.`
    : `Past 80% of their ${found.feature_name} limit: ${found.companies
        .map((row) => `${row.company.name} (${Math.round(row.percent_used)}%)`)
        .join(", ")}.`

const model: LanguageModel = process.env.OPENAI_API_KEY
  ? openai(process.env.OPENAI_MODEL ?? "gpt-4o-mini")
  : scriptedModel()

try {
  const result = await generateText({
    model,
    system: schematicInstructions(),
    prompt: question,
    // Read-only tools: this agent answers questions and changes nothing.
    tools: schematicTools(runtime, { scope: "read" }),
    stopWhen: stepCountIs(6)
  })
  for (const step of result.steps) {
    for (const call of step.toolCalls) console.log(`tool ${call.toolName} ${JSON.stringify(call.input)}`)
    for (const failed of step.content.filter((part) => part.type === "tool-error")) {
      console.log(`tool ${failed.toolName} failed: ${String((failed.error as Error).message ?? failed.error)}`)
    }
  }
  console.log(result.text)
} finally {
  await runtime.dispose()
}
