import { Worker } from "node:worker_threads"
import { describe, expect, it } from "@effect/vitest"
import type { Reply } from "../src/internal/sqlite/messages.js"
import { connect, type StoreOutcome } from "../src/internal/sqlite/threadChannel.js"

// A thread that says its file is open, then takes messages and never answers them.
const SILENT = `
const { parentPort } = require("node:worker_threads")
parentPort.postMessage({ replies: [{ id: 0, value: undefined }] })
parentPort.on("message", () => {})
`

describe("ThreadChannel", () => {
  it("answers every request still waiting when its thread ends, and those sent after at once", async () => {
    const thread = new Worker(SILENT, { eval: true })
    let opened: (reply: Reply) => void = () => {}
    const open = new Promise<Reply>((resume) => {
      opened = resume
    })
    const channel = connect(thread, (reply) => opened(reply))
    expect(await open).toEqual({ id: 0, value: undefined })
    const calls = Array.from(
      { length: 40 },
      () =>
        new Promise<Reply>((resume) =>
          channel.send({ id: channel.nextId(), op: "call", method: "counts", args: [] }, resume)
        )
    )
    const stores = Array.from(
      { length: 40 },
      (_, index) => new Promise<StoreOutcome>((resume) => channel.store([`k-${index}`], "{}", undefined, resume))
    )
    await new Promise((done) => setTimeout(done, 50))
    await thread.terminate()
    for (const reply of await Promise.all(calls)) expect(reply).toMatchObject({ error: "The event outbox is closed" })
    for (const outcome of await Promise.all(stores)) expect(outcome).toEqual({ closed: "The event outbox is closed" })
    const late = await new Promise<StoreOutcome>((resume) => channel.store(["late"], "{}", undefined, resume))
    expect(late).toEqual({ closed: "The event outbox is closed" })
  })
})
