// The examples as a reader runs them (`npx tsx packages/core/examples/token.ts`): each prints what it did, or
// the one-line error naming the setting to fix, instead of exiting without a word.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const run = (example: string, env: Record<string, string>) =>
  spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL(`../examples/${example}.ts`, import.meta.url))],
    {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
      timeout: 30_000
    }
  )

describe("examples run by a reader", () => {
  it("token.ts prints the credential it got (redacted)", () => {
    const { status, stdout } = run("token", { COZE_API_TOKEN: "pat_reader_example" })
    assert.strictEqual(status, 0)
    assert.include(stdout, "a token credential, without expiry")
    assert.notInclude(stdout, "pat_reader_example")
  })

  it("device.ts without its settings says which one is missing", () => {
    const { status, stderr } = run("device", {})
    assert.strictEqual(status, 1)
    assert.include(stderr, "coze-auth: invalid configuration: COZE_DEVICE_OAUTH_CLIENT_ID is missing")
  })
})
