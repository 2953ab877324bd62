import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { structured, textOf, usersMe } from "./utils/harness.js"
import { control, mainJs, tempHome, watch } from "./utils/spawned.js"

describe("stdio, end to end", () => {
  it("logs in, hands out fresh tokens, refreshes and logs out, leaking nothing", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [mainJs, "--sandbox"],
      env: { COZE_AUTH_HOME: tempHome() },
      stderr: "pipe"
    })
    const stderr = watch(transport.stderr!)
    const client = new Client({ name: "e2e", version: "1.0.0" })
    await client.connect(transport)
    const texts: Array<string> = []
    const issued: Array<string> = []
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult
      if (name === "token" && result.isError !== true) issued.push(structured(result).access_token as string)
      else texts.push(textOf(result))
      return result
    }
    try {
      const url = (await stderr.find(/embedded Coze emulator at (http:\/\/127\.0\.0\.1:\d+)/))[1]!

      const pending = structured(await call("login"))
      assert.strictEqual(pending.status, "pending")
      await control(url, "/device/approve", { user_code: pending.user_code })
      assert.strictEqual(structured(await call("login", { wait: true })).status, "authenticated")

      const status = (structured(await call("status")).profiles as Array<Record<string, unknown>>)[0]!
      assert.deepInclude(status, { profile: "default", authenticated: true, api_base: url })

      const first = structured(await call("token"))
      assert.strictEqual(await usersMe(url, first.access_token as string), 200)

      // The sandbox runs on the emulator's clock: moved past the token's life, the server sees it expired too.
      await control(url, "/clock", { advance_seconds: 1000 })
      assert.strictEqual(await usersMe(url, first.access_token as string), 401)
      const second = structured(await call("token"))
      assert.notStrictEqual(second.access_token, first.access_token)
      assert.strictEqual(await usersMe(url, second.access_token as string), 200)

      assert.isString(structured(await call("refresh")).expires_at)
      assert.strictEqual(structured(await call("logout")).removed, true)
      const after = (structured(await call("status")).profiles as Array<Record<string, unknown>>)[0]!
      assert.strictEqual(after.authenticated, false)
      const notLoggedIn = await call("token")
      assert.isTrue(notLoggedIn.isError)
      texts.push(textOf(notLoggedIn))
      assert.notInclude(stderr.text(), "Error")
    } finally {
      await client.close()
    }
    assert.isAtLeast(issued.length, 2)
    for (const secret of issued.filter(Boolean)) {
      assert.notInclude(stderr.text(), secret)
      for (const text of texts) assert.notInclude(text, secret)
    }
  })

  it("reports a broken configuration on stderr at start, and on every tool call", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [mainJs],
      env: {
        COZE_AUTH_HOME: tempHome(),
        COZE_JWT_OAUTH_CLIENT_ID: "1234567890123.app.coze",
        COZE_JWT_OAUTH_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
        COZE_JWT_OAUTH_PUBLIC_KEY_ID: "kid"
      },
      stderr: "pipe"
    })
    const stderr = watch(transport.stderr!)
    const client = new Client({ name: "e2e", version: "1.0.0" })
    await client.connect(transport)
    try {
      const [line] = await stderr.find(/^coze-auth: profile "default": COZE_JWT_OAUTH_PRIVATE_KEY .*$/m)
      assert.notInclude(line, "not a key")
      const status = structured((await client.callTool({ name: "status", arguments: {} })) as CallToolResult)
      assert.deepStrictEqual(status.profiles, [])
      const [broken] = status.errors as Array<{ profile: string; error: string }>
      assert.strictEqual(broken?.profile, "default")
      assert.match(broken!.error, /^profile "default": COZE_JWT_OAUTH_PRIVATE_KEY is not a /)
      const result = (await client.callTool({ name: "token", arguments: {} })) as CallToolResult
      assert.isTrue(result.isError)
      assert.match(textOf(result), /^profile "default": COZE_JWT_OAUTH_PRIVATE_KEY is not a /)
      assert.notInclude(textOf(result), "not a key")
      assert.notInclude(stderr.text(), "    at ")
    } finally {
      await client.close()
    }
  })
})
