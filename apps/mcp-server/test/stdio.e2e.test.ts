import { writeFileSync } from "node:fs"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { structured, textOf, usersMe } from "./utils/harness.js"
import { connectStdio, control, mainJs, tempHome, watch } from "./utils/spawned.js"

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

      // The sandbox is unmistakable: in status, in every login result, on stderr.
      const mode = structured(await call("status"))
      assert.strictEqual(mode.mode, "sandbox")
      assert.match(mode.note as string, /^SANDBOX: this server talks to an embedded Coze emulator, not to Coze/)
      assert.include(stderr.text(), "coze-auth SANDBOX: --sandbox was given")
      const pending = structured(await call("login"))
      assert.strictEqual(pending.status, "pending")
      assert.isTrue(pending.sandbox)
      assert.match(pending.advisory as string, /^SANDBOX: /)
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

  it("calls the Coze API for the agent, the token never leaving the server", async () => {
    const { client, stderr } = await connectStdio(["--sandbox"])
    const texts: Array<string> = []
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult
      texts.push(textOf(result))
      return result
    }
    const issued: Array<string> = []
    const token = async () =>
      issued.push(
        structured((await client.callTool({ name: "token", arguments: {} })) as CallToolResult).access_token as string
      )
    try {
      const url = (await stderr.find(/embedded Coze emulator at (http:\/\/127\.0\.0\.1:\d+)/))[1]!
      const notYet = await call("api_get", { path: "/v1/users/me" })
      assert.match(textOf(notYet), /call the login tool/)
      const pending = structured(await call("login"))
      await control(url, "/device/approve", { user_code: pending.user_code })
      structured(await call("login", { wait: true }))
      await token()

      const me = structured(await call("api_get", { path: "/v1/users/me" }))
      assert.strictEqual(me.status, 200)
      assert.strictEqual((me.body as { data: { user_name: string } }).data.user_name, "emulator_user")
      const workspaces = structured(await call("api_get", { path: "/v1/workspaces" }))
      assert.strictEqual((workspaces.body as { data: { total_count: number } }).data.total_count, 3)
      const chat = structured(
        await call("api_request", {
          method: "POST",
          path: "/v3/chat",
          body: { bot_id: "7400000000000000202", user_id: "u1", stream: true }
        })
      )
      assert.isTrue(chat.truncated)

      // Past the token's life: the server renews it by itself, once.
      await control(url, "/clock", { advance_seconds: 1000 })
      assert.strictEqual(structured(await call("api_get", { path: "/v1/users/me" })).status, 200)
      await token()
      const refused = await call("api_get", { path: "//evil.example/v1/users/me" })
      assert.match(textOf(refused), /^Refused path/)
      const log = (await fetch(`${url}/__emulator/requests`).then((r) => r.json())) as Array<{ grant_type?: string }>
      assert.strictEqual(log.filter((r) => r.grant_type === "refresh_token").length, 1)
    } finally {
      await client.close()
    }
    assert.strictEqual(new Set(issued).size, 2)
    for (const secret of issued) {
      assert.notInclude(stderr.text(), secret)
      for (const text of texts) assert.notInclude(text, secret)
    }
  })

  it("offers only reading tools with --read-only", async () => {
    const { client } = await connectStdio(["--sandbox", "--read-only"])
    try {
      const { tools } = await client.listTools()
      assert.deepStrictEqual(tools.map((t) => t.name).sort(), ["api_get", "login", "refresh", "status"])
    } finally {
      await client.close()
    }
  })

  it("starts no sandbox when something is configured, however odd; says what is wrong instead", async () => {
    const cases: ReadonlyArray<{ readonly env: Record<string, string>; readonly profiles?: object }> = [
      { env: { COZE_WEB_OAUTH_CLIENT_ID: "web", COZE_WEB_OAUTH_CLIENT_SECRET: "secret-value" } },
      { env: {}, profiles: { 国内: { client_type: "device", client_id: "cn-id", region: "cn" } } },
      { env: {}, profiles: { "my work": { client_type: "web", client_id: "x" } } }
    ]
    for (const { env, profiles } of cases) {
      const home = tempHome()
      if (profiles !== undefined) writeFileSync(path.join(home, "profiles.json"), JSON.stringify(profiles))
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [mainJs],
        env: { COZE_AUTH_HOME: home, ...env },
        stderr: "pipe"
      })
      const stderr = watch(transport.stderr!)
      const client = new Client({ name: "e2e", version: "1.0.0" })
      await client.connect(transport)
      try {
        const status = structured((await client.callTool({ name: "status", arguments: {} })) as CallToolResult)
        assert.strictEqual(status.mode, "real", JSON.stringify(env))
        const named = [
          ...(status.profiles as Array<{ profile: string }>),
          ...(status.errors as Array<{ profile: string }>)
        ].map((p) => p.profile)
        // Every configured profile is there, usable or with its error: never dropped.
        assert.deepStrictEqual(named, profiles === undefined ? ["default"] : Object.keys(profiles))
        const login = (await client.callTool({ name: "login", arguments: {} })) as CallToolResult
        assert.notInclude(stderr.text(), "SANDBOX")
        assert.notInclude(textOf(login), "SANDBOX")
        assert.notInclude(stderr.text() + textOf(login), "secret-value")
      } finally {
        await client.close()
      }
    }
  })

  it("comes up with a store it cannot open and answers every tool with why", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [mainJs],
      // A Redis store without its key is refused before any connection is tried.
      env: { COZE_AUTH_HOME: tempHome(), COZE_AUTH_STORE: "redis://127.0.0.1:1", COZE_DEVICE_OAUTH_CLIENT_ID: "d" },
      stderr: "pipe"
    })
    const stderr = watch(transport.stderr!)
    const client = new Client({ name: "e2e", version: "1.0.0" })
    await client.connect(transport)
    try {
      await stderr.find(/^coze-auth: COZE_AUTH_STORE selects a Redis store but COZE_AUTH_STORE_KEY is not set/m)
      for (const name of ["status", "login", "token"]) {
        const result = (await client.callTool({ name, arguments: {} })) as CallToolResult
        assert.isTrue(result.isError, name)
        assert.match(textOf(result), /^COZE_AUTH_STORE selects a Redis store but COZE_AUTH_STORE_KEY is not set/, name)
      }
    } finally {
      await client.close()
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

  it("runs read-only when its own settings do not load, every tool saying which setting is at fault", async () => {
    const { client, stderr } = await connectStdio([], {
      COZE_AUTH_MCP_READ_ONLY: "maybe",
      COZE_DEVICE_OAUTH_CLIENT_ID: "1234567890123.app.coze"
    })
    try {
      await stderr.find(/^coze-auth: .*COZE_AUTH_MCP_READ_ONLY/m)
      const { tools } = await client.listTools()
      assert.deepStrictEqual(tools.map((t) => t.name).sort(), ["api_get", "login", "refresh", "status"])
      const result = (await client.callTool({ name: "api_get", arguments: { path: "/v1/users/me" } })) as CallToolResult
      assert.isTrue(result.isError)
      assert.include(textOf(result), "COZE_AUTH_MCP_READ_ONLY")
    } finally {
      await client.close()
    }
  })
})
