import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll } from "vitest"
import { baseEnv, type Emulator, mcpJs, run, start, startEmulator, tempHome, watch } from "./utils/cli.js"

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const example = fileURLToPath(new URL("../../../packages/node/examples/device-login.ts", import.meta.url))
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url))

/** The built MCP server over stdio, through the SDK's real client, on the same environment as the CLI. */
const mcp = async (env: Record<string, string>) => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mcpJs],
    env: baseEnv(env) as Record<string, string>,
    stderr: "pipe"
  })
  const client = new Client({ name: "cli-e2e", version: "1.0.0" })
  await client.connect(transport)
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult
    assert.notStrictEqual(result.isError, true, JSON.stringify(result.content))
    return result.structuredContent as Record<string, unknown>
  }
  return { call, close: () => client.close() }
}

const deviceEnv = async () => {
  const app = await emulator.createApp({ type: "device" })
  return { COZE_AUTH_HOME: tempHome(), COZE_API_BASE: emulator.url, COZE_DEVICE_OAUTH_CLIENT_ID: app.client_id }
}

describe("one login, three consumers", () => {
  it("a CLI login serves the MCP server's token tool and an Effect program without logging in again", async () => {
    const env = await deviceEnv()
    const login = start(["login"], env)
    await emulator.control("/device/approve", { user_code: (await login.stdout.find(/confirm the code: (\S+)/))[1] })
    assert.strictEqual((await login.done).code, 0)
    const cliToken = (await run(["token"], env)).stdout.trimEnd()

    const server = await mcp(env)
    try {
      const status = (await server.call("status")).profiles as Array<Record<string, unknown>>
      assert.deepInclude(status[0], { profile: "default", authenticated: true })
      const token = await server.call("token")
      assert.strictEqual(token.access_token, cliToken)
      assert.strictEqual(await emulator.usersMe(token.access_token as string), 200)
    } finally {
      await server.close()
    }

    // The README's Effect program (packages/node/examples/device-login.ts) finds the login and asks no one.
    const program = spawn(tsx, [example], { env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] })
    const stdout = watch(program.stdout!)
    const stderr = watch(program.stderr!)
    const code = await new Promise((resolve) => program.once("exit", resolve))
    assert.strictEqual(code, 0, stderr.text())
    assert.notInclude(stdout.text(), "approve", "no login asked for")
    assert.include(stdout.text(), "Emulator User")
  })

  it("a login through the MCP server serves `coze-auth token`", async () => {
    const env = await deviceEnv()
    const server = await mcp(env)
    try {
      const pending = await server.call("login")
      assert.strictEqual(pending.status, "pending")
      await emulator.control("/device/approve", { user_code: pending.user_code })
      assert.strictEqual((await server.call("login", { wait: true })).status, "authenticated")
    } finally {
      await server.close()
    }
    const token = await run(["token"], env)
    assert.strictEqual(token.code, 0, token.stderr)
    assert.strictEqual(await emulator.usersMe(token.stdout.trimEnd()), 200)
    const [status] = JSON.parse((await run(["status", "--json"], env)).stdout)
    assert.deepInclude(status, { profile: "default", authenticated: true, flow: "device" })
  })
})
