import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { Authenticator, Operation, Operations } from "@schematic-capability/capability-core"
import { McpServer } from "@schematic-capability/mcp-adapter"
import type { SchematicClient } from "@schematic-capability/schematic-client"
import { generateText, type Schema as JsonSchemaOf, stepCountIs, type ToolSet } from "ai"
import { MockLanguageModelV3 } from "ai/test"
import { Effect, FiberId, FiberRef, FiberRefs, HashSet, Layer, Logger, ManagedRuntime, Runtime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { numberOperation } from "../../capability-core/test/numberOperation.js"
import { sandboxServices } from "../../mcp-adapter/test/support.js"
import { schematicInstructions, schematicTools, ToolCallError } from "../src/index.js"

/** The tools' services on a sandbox of their own, over loopback HTTP: built on first use, disposed after the tests. */
const runtime = ManagedRuntime.make(sandboxServices)
afterAll(() => runtime.dispose())

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined }
}

/** A model that answers with one scripted step per call: tool calls (by name and arguments), then text. */
const scripted = (steps: ReadonlyArray<ReadonlyArray<readonly [string, unknown]> | string>) =>
  new MockLanguageModelV3({
    doGenerate: async (options) => {
      const step = steps[model.doGenerateCalls.length - 1]
      if (step === undefined || typeof step === "string") {
        return {
          content: [{ type: "text", text: step ?? "done" }],
          finishReason: { unified: "stop", raw: "stop" },
          usage,
          warnings: []
        }
      }
      const content = step.map(([toolName, input], index) => ({
        type: "tool-call" as const,
        toolCallId: `call-${options.prompt.length}-${index}`,
        toolName,
        input: JSON.stringify(input)
      }))
      return { content, finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage, warnings: [] }
    }
  })
// Assigned by `scripted`'s caller; read back by the model for the number of its calls.
let model: MockLanguageModelV3

/** The tool results the model was sent in a call's prompt, by tool name. */
const toolResults = (prompt: MockLanguageModelV3["doGenerateCalls"][number]["prompt"]) =>
  prompt.flatMap((message) =>
    message.role === "tool"
      ? message.content.flatMap((part) => (part.type === "tool-result" ? [[part.toolName, part.output] as const] : []))
      : []
  )

/** The tool set as a model is told of it: each tool's name, description and input schema. */
const described = (tools: ToolSet) =>
  Object.entries(tools).map(([name, tool]) => ({
    name,
    description: tool.description,
    inputSchema: (tool.inputSchema as JsonSchemaOf<unknown>).jsonSchema
  }))

/** What an MCP client lists for a caller of `scope`, and the server's instructions, with the official client. */
const mcpTools = async (scope: Operation.Scope, toolsets?: ReadonlyArray<Operation.Toolset>) => {
  const server = McpServer.make(
    await runtime.runtime(),
    McpServer.registry(Operations.all, toolsets),
    {},
    {
      name: "test",
      scopes: Authenticator.expand([scope])
    }
  )
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: "ai-sdk-test", version: "1.0.0" })
  await client.connect(clientSide)
  const listed = await client.listTools()
  const instructions = client.getInstructions()
  await client.close()
  return { listed, instructions }
}

describe("schematicTools", () => {
  beforeAll(() => runtime.runtime())

  it("runs a tool against the sandbox and gives its result to the model's next step", async () => {
    model = scripted([
      [["upsert-company", { keys: { account_id: "acme" }, name: "Acme" }]],
      [["get-company", { keys: { account_id: "acme" } }]],
      "Acme is there."
    ])
    const result = await generateText({
      model,
      system: schematicInstructions(),
      prompt: "Create Acme, then look it up.",
      tools: schematicTools(runtime, { scope: "write" }),
      stopWhen: stepCountIs(5)
    })
    expect(result.text).toBe("Acme is there.")
    expect(result.steps.map((step) => step.toolResults.map((part) => part.toolName))).toEqual([
      ["upsert-company"],
      ["get-company"],
      []
    ])
    const created = result.steps[0]!.toolResults[0]!.output as { id: string }
    const found = result.steps[1]!.toolResults[0]!.output as { id: string; name: string; keys: unknown }
    expect(found).toMatchObject({ id: created.id, name: "Acme", keys: { account_id: "acme" } })
    expect(found.id).toMatch(/^comp_/)
    // The third call's prompt holds both results, as JSON, after the system prompt the tools share.
    const prompt = model.doGenerateCalls[2]!.prompt
    expect(prompt[0]).toMatchObject({ role: "system", content: schematicInstructions() })
    const results = toolResults(prompt)
    expect(results.map(([name]) => name)).toEqual(["upsert-company", "get-company"])
    expect(results[1]![1]).toEqual({ type: "json", value: found })
  })

  it("tells the model what was wrong with a call, naming the field, and the application a ToolCallError", async () => {
    model = scripted([[["list-companies", { limit: 0, colour: "red" }]], "I will fix the limit."])
    const result = await generateText({
      model,
      prompt: "List companies.",
      tools: schematicTools(runtime),
      stopWhen: stepCountIs(3)
    })
    const failed = result.steps[0]!.content.find((part) => part.type === "tool-error")
    expect(failed?.type).toBe("tool-error")
    const error = (failed as { error: unknown }).error
    expect(error).toBeInstanceOf(ToolCallError)
    const { code, tool, fields } = error as ToolCallError
    expect({ code, tool }).toEqual({ code: "invalid_input", tool: "list-companies" })
    expect(fields?.map((field) => field.path).sort()).toEqual(["colour", "limit"])
    const [[name, output]] = toolResults(model.doGenerateCalls[1]!.prompt) as [
      [string, { type: string; value: string }]
    ]
    expect(name).toBe("list-companies")
    expect(output.type).toBe("error-text")
    expect(output.value).toMatch(/^invalid_input: /)
    expect(output.value).toMatch(/\n- limit: /)
    expect(output.value).toMatch(/\n- colour: /)
  })

  it("offers the tools of the caller's scope: read by default; write adds changes; admin adds outbox repair", () => {
    const names = (scope?: Operation.Scope) => Object.keys(schematicTools(runtime, scope ? { scope } : {}))
    const ofScopes = (...scopes: ReadonlyArray<Operation.Scope>) =>
      Operations.all.filter((operation) => scopes.includes(operation.scope)).map(Operation.toolName)
    expect(names()).toEqual(ofScopes("read"))
    expect(names("read")).toContain("list-companies")
    expect(names("read")).not.toContain("upsert-company")
    expect(names("write")).toEqual(ofScopes("read", "write"))
    expect(names("write")).not.toContain("requeue-dead-letter-events")
    expect(names("admin")).toHaveLength(Operations.all.length)
  })

  it("offers only the toolsets given, in every scope", () => {
    const tools = schematicTools(runtime, { scope: "admin", toolsets: ["billing", "insights"] })
    const expected = Operations.all
      .filter((operation) => operation.toolset === "billing" || operation.toolset === "insights")
      .map(Operation.toolName)
    expect(Object.keys(tools)).toEqual(expected)
    expect(new Set(Object.values(tools).map((tool) => tool.metadata?.toolset))).toEqual(
      new Set(["billing", "insights"])
    )
    // Toolsets and scope together: the read tools of the events toolset.
    expect(Object.keys(schematicTools(runtime, { toolsets: ["events"] }))).toEqual(
      Operations.all
        .filter((operation) => operation.toolset === "events" && operation.scope === "read")
        .map(Operation.toolName)
    )
  })

  it("asks for approval before a tool that changes something runs, when told to", async () => {
    model = scripted([[["upsert-company", { keys: { account_id: "approval" }, name: "Waits" }]]])
    const result = await generateText({
      model,
      prompt: "Create a company.",
      tools: schematicTools(runtime, { scope: "write", needsApproval: "write" }),
      stopWhen: stepCountIs(3)
    })
    expect(result.content.map((part) => part.type)).toEqual(["tool-call", "tool-approval-request"])
    expect(result.toolResults).toEqual([])
    const tools = schematicTools(runtime, { scope: "admin", needsApproval: "admin" })
    expect(tools["list-companies"]?.needsApproval).toBe(false)
    expect(tools["upsert-company"]?.needsApproval).toBe(false)
    expect(tools["requeue-dead-letter-events"]?.needsApproval).toBe(true)
    // Nothing was created.
    const lookup = schematicTools(runtime)["get-company"]!
    await expect(
      lookup.execute!({ keys: { account_id: "approval" } }, { toolCallId: "lookup", messages: [] })
    ).rejects.toMatchObject({ code: "not_found" })
  })

  it("runs operations of its own, and answers a handler's defect as internal, logged", async () => {
    const broken = numberOperation(
      { name: "broken", title: "Broken", description: "A test tool whose handler dies." },
      (input) => (input.n > 0 ? Effect.succeed({ n: input.n }) : Effect.die(new Error("handler broke")))
    )
    const logged: Array<unknown> = []
    const logging = Runtime.defaultRuntime.pipe(
      Runtime.updateFiberRefs((refs) =>
        FiberRefs.updateAs(refs, {
          fiberId: FiberId.none,
          fiberRef: FiberRef.currentLoggers,
          value: HashSet.make(Logger.make(({ message }) => void logged.push(message)))
        })
      )
    )
    const tools = schematicTools(logging, { operations: [broken] })
    expect(Object.keys(tools)).toEqual(["broken"])
    const options = { toolCallId: "broken-call", messages: [] }
    expect(await tools.broken!.execute!({ n: 2 }, options)).toEqual({ n: 2 })
    await expect(tools.broken!.execute!({ n: 0 }, options)).rejects.toMatchObject({
      code: "internal",
      message: "internal: Internal error"
    })
    await new Promise((done) => setTimeout(done, 10))
    expect(logged.flat()).toContain("tool broken died")
  })

  it("names, describes and shapes every tool as MCP's tools/list does, scope by scope, with MCP's instructions", async () => {
    for (const scope of ["read", "write", "admin"] as const) {
      const { listed, instructions } = await mcpTools(scope)
      const tools = schematicTools(runtime, { scope })
      expect(described(tools)).toEqual(
        listed.tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema }))
      )
      expect(Object.values(tools).map((tool) => tool.title)).toEqual(listed.tools.map((tool) => tool.title))
      expect(schematicInstructions()).toBe(instructions)
      // What the model is sent: the AI SDK passes the same names, descriptions and schemas on to the provider.
      model = scripted(["nothing to do"])
      await generateText({ model, prompt: "Hello.", tools })
      const sent = model.doGenerateCalls[0]!.tools ?? []
      expect(sent.map((tool) => (tool.type === "function" ? { ...tool, strict: undefined } : tool))).toEqual(
        described(tools).map((tool) => ({ type: "function", ...tool, strict: undefined }))
      )
      console.log(
        `${scope}: ${listed.tools.length} tools; MCP tools/list result ${Buffer.byteLength(JSON.stringify(listed))} bytes; AI SDK tool set (names, descriptions, schemas) ${Buffer.byteLength(JSON.stringify(described(tools)))} bytes; as sent to the model ${Buffer.byteLength(JSON.stringify(sent))} bytes`
      )
    }
    const { listed } = await mcpTools("admin", ["usage"])
    expect(Object.keys(schematicTools(runtime, { scope: "admin", toolsets: ["usage"] }))).toEqual(
      listed.tools.map((tool) => tool.name)
    )
  })
})

/** The compiler refuses a runtime that lacks what the operations need. */
export const typed = () => {
  // @ts-expect-error: the built-in operations need a SchematicClient and an EventSink
  schematicTools(Runtime.defaultRuntime)
  const onlyClient = Layer.empty as unknown as Layer.Layer<SchematicClient.SchematicClient>
  // @ts-expect-error: the built-in operations need an EventSink as well
  schematicTools(ManagedRuntime.make(onlyClient))
}
