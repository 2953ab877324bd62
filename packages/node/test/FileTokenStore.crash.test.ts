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
    `a writer killed ${kills} times always leaves the old or the new credential`,
    () =>
      Effect.promise(async () => {
        const home = await fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-crash-"))
        try {
          const writer = await bundleFixture("writer", home)
          const file = path.join(home, "tokens", "writer.json")
          let next = 0
          for (let i = 0; i < kills; i++) {
            const last = await killWriter(writer, home, next)
            const { token } = Schema.decodeSync(FileTokenStore.TokenFile)(await fs.readFile(file, "utf8"))
            const written = Number(Redacted.value(token.accessToken).replace("at-", ""))
            // Reported numbers are on disk; the one being written when the signal came may be too.
            assert.include([last, last + 1], written, `round ${i}`)
            next = written + 1
          }
          const mode = (await fs.stat(file)).mode & 0o777
          assert.strictEqual(mode, 0o600)
        } finally {
          await fs.rm(home, { recursive: true, force: true })
        }
      }),
    120_000
  )
})
