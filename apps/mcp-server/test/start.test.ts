/**
 * `npm start` (scripts/start.mjs) on an up-to-date checkout: no install, no rebuild, and a key it prints that
 * the server accepts, also when COZE_AUTH_MCP_KEY is set but empty.
 */
import { spawn } from "node:child_process"
import { statSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { mainJs, tempHome, watch } from "./utils/spawned.js"

const startMjs = fileURLToPath(new URL("../../../scripts/start.mjs", import.meta.url))
let stop = () => {}
afterEach(() => stop())

describe("npm start", () => {
  it("skips what is up to date, and an empty COZE_AUTH_MCP_KEY gets a generated key that works", async () => {
    const builtAt = statSync(mainJs).mtimeMs
    const child = spawn(process.execPath, [startMjs], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: "0",
        COZE_AUTH_HOME: tempHome(),
        COZE_AUTH_MCP_KEY: ""
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    stop = () => process.kill(-child.pid!, "SIGTERM")
    const [stdout, stderr] = [watch(child.stdout!), watch(child.stderr!)]
    const url = (await stdout.find(/URL {5}(http:\/\/127\.0\.0\.1:\d+\/mcp)/, 60_000))[1]!
    const key = (await stdout.find(/Header {2}Authorization: Bearer (\S*)/))[1]!
    assert.isAbove(key.length, 20)
    // The key the server generated, the one it says it generated.
    await stderr.find(new RegExp(`Bearer ${key}  \\(generated`))
    assert.notInclude(stdout.text(), "Bearer \n")
    const initialize = (bearer: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${bearer}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream"
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "start", version: "1" } }
        })
      }).then((r) => r.status)
    assert.strictEqual(await initialize(key), 200)
    assert.strictEqual(await initialize(""), 401)
    assert.notInclude(stderr.text(), "building the MCP server")
    assert.strictEqual(statSync(mainJs).mtimeMs, builtAt)
  }, 90_000)
})
