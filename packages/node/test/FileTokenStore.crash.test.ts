import { spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import * as FileTokenStore from "../src/FileTokenStore.js"
import { bundleFixture, lines } from "./utils/processes.js"

const kills = 200

/**
 * Starts the writer at `first`, kills it with SIGKILL 0–15 ms after its first completed write, and returns
 * the last number it reported as written.
 */
const killWriter = async (writer: string, home: string, first: number): Promise<number> => {
  const child = spawn(process.execPath, [writer, home, String(first)], { stdio: ["ignore", "pipe", "inherit"] })
  let last = first - 1
  const exited = lines(child, (line) => {
    if (last < first) setTimeout(() => child.kill("SIGKILL"), Math.random() * 15)
    last = Number(line)
  })
  await exited
  return last
}

describe("FileTokenStore under SIGKILL", () => {
  it.live(
    `a writer killed ${kills} times always leaves the old or the new credential, and no secret in a temporary file`,
    () =>
      Effect.promise(async () => {
        const home = await fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-crash-"))
        try {
          const writer = await bundleFixture("writer", home)
          const tokens = path.join(home, "tokens")
          const file = path.join(tokens, "writer.json")
          const leftovers = async () => (await fs.readdir(tokens)).filter((name) => name !== "writer.json")
          let next = 0
          let killedMidWrite = 0
          for (let i = 0; i < kills; i++) {
            const last = await killWriter(writer, home, next)
            const { token } = Schema.decodeSync(FileTokenStore.TokenFile)(await fs.readFile(file, "utf8"))
            const written = Number(Redacted.value(token.accessToken).replace("at-", ""))
            // Reported numbers are on disk; the one being written when the signal came may be too.
            assert.include([last, last + 1], written, `round ${i}`)
            // At most the temporary file of the writer just killed: the next writer's first write sweeps it.
            const left = await leftovers()
            assert.isAtMost(left.length, 1, `round ${i}: ${left.join(", ")}`)
            killedMidWrite += left.length
            next = written + 1
          }
          const mode = (await fs.stat(file)).mode & 0o777
          assert.strictEqual(mode, 0o600)
          // The kills did hit writes in progress, and opening the store removed what the last one left.
          assert.isAbove(killedMidWrite, 0)
          await Effect.runPromise(FileTokenStore.make({ home }))
          assert.deepStrictEqual(await leftovers(), [], "no temporary file (with a superseded secret) remains")
        } finally {
          await fs.rm(home, { recursive: true, force: true })
        }
      }),
    120_000
  )
})
