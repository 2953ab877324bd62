import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createServer, type Server } from "node:net"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
// The shipped bundle, run by node itself: a wrapper such as tsx relays SIGTERM on its own terms, and under
// load it sometimes ended with 143 before the emulator had stopped cleanly.
const binJs = path.join(packageDir, "dist", "bin.js")

/** `node dist/bin.js …`, killed with the scope. */
const spawnBin = (args: Array<string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, [binJs, ...args], { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] })
    ),
    (child: ChildProcess) =>
      Effect.promise(async () => {
        if (child.exitCode !== null) return
        child.kill("SIGTERM")
        await once(child, "exit")
      })
  )

const firstLine = (child: ChildProcess) =>
  Effect.promise(async () => {
    const [line] = await once(createInterface({ input: child.stdout! }), "line")
    return String(line)
  })

/** Runs the bin to its exit and collects both streams. */
const runToExit = (args: Array<string>) =>
  Effect.flatMap(spawnBin(args), (child) =>
    Effect.promise(async () => {
      let stdout = ""
      let stderr = ""
      child.stdout!.on("data", (chunk) => {
        stdout += chunk
      })
      child.stderr!.on("data", (chunk) => {
        stderr += chunk
      })
      const [code] = await once(child, "close")
      return { code, stdout, stderr }
    })
  )

/** A port something else already listens on. */
const busyPort = Effect.acquireRelease(
  Effect.promise(async () => {
    const server = createServer().listen(0, "127.0.0.1")
    await once(server, "listening")
    return server
  }),
  (server: Server) => Effect.promise(() => new Promise((resolve) => server.close(resolve)))
).pipe(Effect.map((server) => (server.address() as { port: number }).port))

describe("bin", () => {
  it.live("prints the start line on stdout, serves, and stops on SIGTERM", () =>
    Effect.gen(function* () {
      const child = yield* spawnBin(["--port", "0", "--interval", "3", "--demo"])
      const line = yield* firstLine(child)
      const match = /^coze-auth emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)
      assert.isNotNull(match, line)
      const health = yield* HttpClient.get(`${match![1]}/__emulator/health`).pipe(Effect.flatMap((r) => r.json))
      assert.deepStrictEqual(health, { ok: true, api_base: match![1], www_base: match![1] })
      child.kill("SIGTERM")
      const [code, signal] = yield* Effect.promise(() => once(child, "exit"))
      assert.deepStrictEqual([code, signal], [0, null])
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )

  it.live("keeps stdout empty when it cannot start: a busy port is one line on stderr", () =>
    Effect.gen(function* () {
      const port = yield* busyPort
      const { code, stdout, stderr } = yield* runToExit(["--port", String(port)])
      assert.strictEqual(code, 1)
      assert.strictEqual(stdout, "")
      assert.match(stderr, new RegExp(`^coze-auth-emulator: .*address already in use 127\\.0\\.0\\.1:${port}\n$`))
    }).pipe(Effect.scoped)
  )

  it.live("keeps stdout empty on a bad flag: the problem is one line on stderr", () =>
    Effect.gen(function* () {
      const { code, stdout, stderr } = yield* runToExit(["--port", "abc"])
      assert.strictEqual(code, 1)
      assert.strictEqual(stdout, "")
      // @effect/cli's own message, which it ends with a blank line.
      assert.strictEqual(stderr.trim(), "'abc' is not a integer")
    }).pipe(Effect.scoped)
  )
})
