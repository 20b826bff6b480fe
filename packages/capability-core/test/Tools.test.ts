import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Runtime } from "effect"
import { CapabilityError, Operation, Operations, Tools } from "../src/index.js"
import { numberOperation } from "./numberOperation.js"

const echo = numberOperation(
  { name: "echo", title: "Echo", description: "A test tool that answers its input." },
  (input) => {
    if (input.n < 0) throw new Error("broken before it ran")
    return Effect.succeed(input)
  }
)

/** `Tools.callOn` as a promise of its Exit. */
const call = (args: unknown) =>
  new Promise<Exit.Exit<unknown, CapabilityError.CapabilityError>>((done) =>
    Tools.callOn(Runtime.defaultRuntime, echo, args, done)
  )

describe("Tools", () => {
  it("selects by scope (read by default, implied scopes included) and by toolset, in the operations' order", () => {
    const names = (selection: Tools.Selection) => Tools.select(selection).map((tool) => tool.definition.name)
    const ofScopes = (...scopes: ReadonlyArray<Operation.Scope>) =>
      Operations.all.filter((operation) => scopes.includes(operation.scope)).map(Operation.toolName)
    expect(names({})).toEqual(ofScopes("read"))
    expect(names({ scope: "write" })).toEqual(ofScopes("read", "write"))
    expect(names({ scope: "admin" })).toEqual(Operations.all.map(Operation.toolName))
    const usage = names({ scope: "admin", toolsets: ["usage"] })
    expect(usage.length).toBeGreaterThan(0)
    expect(usage).toEqual(Operations.all.filter((operation) => operation.toolset === "usage").map(Operation.toolName))
  })

  it("defines each tool in its MCP shape where it has one, lean, with the shared fields described once", () => {
    const [track] = Tools.offered(Operations.all.filter((operation) => operation.mcp !== undefined))
    expect(track?.definition.name).toBe(track?.operation.mcp?.name)
    const company = Tools.definition(Operations.all.find((operation) => operation.name === "get-company")!)
    expect(company.inputSchema.properties).toMatchObject({ company_id: { type: "string" } })
    expect(JSON.stringify(company.inputSchema.properties)).not.toContain("comp_")
    expect(Tools.instructions).toContain(`company_id: ${Tools.commonFields.company_id}.`)
    expect(company.annotations).toEqual({ readOnlyHint: true })
  })

  it("words a failure as an agent reads it: the code, each bad field, when to retry", () => {
    const error = new CapabilityError.CapabilityError({
      code: "invalid_input",
      message: "Invalid arguments",
      fields: [
        { path: "limit", message: "Expected at most 250" },
        { path: "", message: "Unknown field" }
      ],
      retryAfterSeconds: 2
    })
    expect(Tools.errorText(error)).toBe(
      "invalid_input: Invalid arguments\n- limit: Expected at most 250\n- (arguments): Unknown field\nRetry after 2 s."
    )
  })

  it("runs a call to its output, refuses bad arguments naming the field, and makes a throw a defect", async () => {
    expect(await call({ n: 2 })).toEqual(Exit.succeed({ n: 2 }))
    const refused = await call({ n: "two" })
    expect(Exit.isFailure(refused) && refused.cause._tag === "Fail" ? refused.cause.error : undefined).toMatchObject({
      code: "invalid_input",
      fields: [{ path: "n" }]
    })
    const died = await call({ n: -1 })
    expect(Exit.isFailure(died) && died.cause._tag === "Die").toBe(true)
  })
})
