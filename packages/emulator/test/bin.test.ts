import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
// tsx itself (not through npx) so that SIGTERM reaches the emulator.
const tsx = path.join(packageDir, "node_modules", ".bin", "tsx")

/** `tsx src/bin.ts …`, killed with the scope. */
const spawnBin = (args: Array<string>) =>
  Effect.acquireRelease(
    Effect.sync(() => spawn(tsx, ["src/bin.ts", ...args], { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] })),
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
})
