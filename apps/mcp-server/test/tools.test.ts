import { TokenStoreError } from "@coze-auth/core/CozeError"
import { assert, describe, it, vi } from "@effect/vitest"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { Effect } from "effect"
import { type Harness, perTest, structured, textOf, usersMe } from "./utils/harness.js"

const open = perTest()

/** Starts a device login and returns its user code. */
const startDevice = async (h: Harness, profile = "default") => {
  const pending = structured(await h.call("login", { profile }))
  assert.strictEqual(pending.status, "pending")
  return pending.user_code as string
}

describe("tool list", () => {
  it("registers every tool with annotations and an output schema", async () => {
    const { client } = await open()
    const { tools } = await client.listTools()
    assert.deepStrictEqual(tools.map((t) => t.name).sort(), [
      "api_get",
      "api_request",
      "login",
      "logout",
      "refresh",
      "status",
      "token"
    ])
    for (const tool of tools) {
      assert.isDefined(tool.annotations, tool.name)
      assert.strictEqual(tool.outputSchema?.type, "object", tool.name)
    }
    assert.strictEqual(tools.find((t) => t.name === "status")?.annotations?.readOnlyHint, true)
    assert.strictEqual(tools.find((t) => t.name === "logout")?.annotations?.destructiveHint, true)
    // Clients may auto-approve reads and ask before writes.
    assert.strictEqual(tools.find((t) => t.name === "api_get")?.annotations?.readOnlyHint, true)
    assert.strictEqual(tools.find((t) => t.name === "api_request")?.annotations?.destructiveHint, true)
  })

  it("leaves token out when COZE_AUTH_MCP_TOKEN_TOOL=off", async () => {
    const h = await open({ tokenTool: false })
    const { tools } = await h.client.listTools()
    assert.notInclude(
      tools.map((t) => t.name),
      "token"
    )
    const result = await h.call("token")
    assert.isTrue(result.isError)
    assert.match(textOf(result), /token not found/i)
  })
})

describe("device login", () => {
  it("logs in, hands out a token the API accepts, refreshes and logs out", async () => {
    const h = await open()
    const before = structured(await h.call("status", { profile: "default" }))
    assert.deepInclude((before.profiles as Array<object>)[0], {
      profile: "default",
      authenticated: false,
      flow: "device"
    })

    const pending = structured(await h.call("login"))
    assert.strictEqual(pending.status, "pending")
    assert.match(pending.verification_url as string, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/device\?user_code=/)
    assert.match(pending.advisory as string, /do not open it yourself/)
    assert.isFalse(pending.sent_to_user)
    // A second login while one is pending returns the same one.
    assert.strictEqual(structured(await h.call("login")).user_code, pending.user_code)

    await h.emulator((e) => e.approveDevice(pending.user_code as string))
    const done = structured(await h.call("login", { wait: true }))
    assert.strictEqual(done.status, "authenticated")
    assert.isString(done.expires_at)

    const status = (structured(await h.call("status")).profiles as Array<Record<string, unknown>>)[0]!
    assert.deepInclude(status, {
      authenticated: true,
      valid: true,
      expired: false,
      refreshable: true,
      pending_login: null,
      store: { kind: "memory", location: "memory", encrypted: false }
    })
    assert.strictEqual(status.api_base, h.url)

    const token = structured(await h.call("token"))
    assert.strictEqual(token.token_type, "Bearer")
    assert.strictEqual(token.api_base, h.url)
    assert.strictEqual(await usersMe(h.url, token.access_token as string), 200)

    const refreshed = structured(await h.call("refresh"))
    assert.isString(refreshed.expires_at)
    const after = structured(await h.call("token"))
    assert.notStrictEqual(after.access_token, token.access_token)
    assert.strictEqual(await usersMe(h.url, after.access_token as string), 200)

    const logout = structured(await h.call("logout"))
    assert.strictEqual(logout.removed, true)
    // Coze has no revocation endpoint: the model is told the token lives on, and where access is revoked.
    assert.match(logout.note as string, /no token revocation endpoint.*stays valid until its expires_at/)
    assert.include(logout.note as string, `${h.url}/open/oauth/apps`)
    assert.strictEqual(structured(await h.call("logout")).removed, false)
    const loggedOut = structured(await h.call("status", { profile: "default" }))
    assert.strictEqual((loggedOut.profiles as Array<Record<string, unknown>>)[0]!.authenticated, false)
  })

  it("renews an expired token by itself", async () => {
    const h = await open()
    const code = await startDevice(h)
    await h.emulator((e) => e.approveDevice(code))
    structured(await h.call("login", { wait: true }))
    const first = structured(await h.call("token"))
    await h.advance(3600)
    assert.strictEqual(await usersMe(h.url, first.access_token as string), 401)
    const second = structured(await h.call("token"))
    assert.notStrictEqual(second.access_token, first.access_token)
    assert.strictEqual(await usersMe(h.url, second.access_token as string), 200)
  })

  it("reports a denied login", async () => {
    const h = await open()
    const code = await startDevice(h)
    const waiting = h.call("login", { wait: true })
    await h.emulator((e) => e.denyDevice(code))
    const result = await waiting
    assert.isTrue(result.isError)
    assert.match(textOf(result), /denied/i)
    const status = (structured(await h.call("status")).profiles as Array<Record<string, unknown>>)[0]!
    assert.match(status.last_login_error as string, /denied/i)
    assert.isNull(status.pending_login)
  })

  it("reports an expired device code", async () => {
    const h = await open({ deviceCodeTtl: 60 })
    await startDevice(h)
    const waiting = h.call("login", { wait: true })
    await h.advance(120)
    const result = await waiting
    assert.isTrue(result.isError)
    assert.match(textOf(result), /expired/i)
  })

  it("returns a fresh login at once even with wait, since the user needs its URL first", async () => {
    const h = await open()
    const pending = structured(await h.call("login", { wait: true }))
    assert.strictEqual(pending.status, "pending")
    assert.match(pending.advisory as string, /wait: true/)
  })

  it("keeps a logged-in profile logged in, unless forced", async () => {
    const h = await open()
    const code = await startDevice(h)
    await h.emulator((e) => e.approveDevice(code))
    assert.strictEqual(structured(await h.call("login", { wait: true })).status, "authenticated")
    const again = structured(await h.call("login"))
    assert.strictEqual(again.status, "authenticated")
    assert.isString(again.expires_at)
    const forced = structured(await h.call("login", { force: true }))
    assert.strictEqual(forced.status, "pending")
    assert.notStrictEqual(forced.user_code, code)
  })

  it("does not report a login cancelled by logout as a failure", async () => {
    const h = await open()
    await startDevice(h)
    assert.strictEqual(structured(await h.call("logout")).removed, true)
    const status = (structured(await h.call("status")).profiles as Array<Record<string, unknown>>)[0]!
    assert.isNull(status.pending_login)
    assert.isNull(status.last_login_error)
  })

  it("sends progress notifications while waiting", async () => {
    const h = await open()
    const code = await startDevice(h)
    const progress: Array<number> = []
    const result = await h.client.callTool({ name: "login", arguments: { wait: true } }, undefined, {
      onprogress: (p) => {
        progress.push(p.total! - p.progress)
        if (progress.length === 1) void h.emulator((e) => e.approveDevice(code))
      }
    })
    assert.strictEqual(structured(result as never).status, "authenticated")
    assert.isAtLeast(progress.length, 1)
    assert.isAbove(progress[0]!, 200)
  })
})

describe("URL elicitation", () => {
  const capabilities = { elicitation: { url: {} } }

  it("sends the verification URL to the user instead of the model", async () => {
    const h = await open({ capabilities })
    const shown: Array<string> = []
    h.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      if (request.params.mode === "url") shown.push(request.params.url)
      return { action: "accept" }
    })
    const pending = structured(await h.call("login"))
    assert.isTrue(pending.sent_to_user)
    assert.isUndefined(pending.user_code)
    assert.isUndefined(pending.advisory)
    // The user got the page with the code filled in; the model gets the page alone, never the code.
    assert.strictEqual(shown.length, 1)
    const userCode = new URL(shown[0]!).searchParams.get("user_code")
    assert.isString(userCode)
    assert.notInclude(JSON.stringify(pending), userCode!)
    assert.strictEqual(pending.verification_url, shown[0]!.replace(/\?user_code=.*$/, ""))
  })

  it("cancels the login when the user declines", async () => {
    const h = await open({ capabilities })
    h.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" }))
    const result = await h.call("login")
    assert.isTrue(result.isError)
    assert.match(textOf(result), /declined/)
    const status = (structured(await h.call("status")).profiles as Array<Record<string, unknown>>)[0]!
    assert.isNull(status.pending_login)
  })
})

describe("pkce login", () => {
  it("completes when the user approves in the browser", async () => {
    const h = await open()
    const pending = structured(await h.call("login", { flow: "pkce" }))
    assert.deepInclude(pending, { status: "pending", profile: "pkce" })
    assert.isUndefined(pending.user_code)
    // The user's browser: the consent page, then the redirect to the server's loopback receiver.
    const redirect = await h.emulator((e) => e.authorize(pending.verification_url as string, "approve"))
    assert.strictEqual((await fetch(redirect)).ok, true)
    assert.strictEqual(structured(await h.call("login", { profile: "pkce", wait: true })).status, "authenticated")
    const token = structured(await h.call("token", { profile: "pkce" }))
    assert.strictEqual(await usersMe(h.url, token.access_token as string), 200)
  })
})

describe("jwt, static and failures", () => {
  it("authenticates a JWT app at once, chosen by flow", async () => {
    const h = await open()
    const done = structured(await h.call("login", { flow: "jwt" }))
    assert.deepInclude(done, { status: "authenticated", profile: "jwt" })
    const token = structured(await h.call("token", { profile: "jwt" }))
    assert.strictEqual(await usersMe(h.url, token.access_token as string), 200)
  })

  it("fails a JWT app whose key the server does not know (the wrong region's key)", async () => {
    const h = await open()
    const result = await h.call("login", { profile: "other-region" })
    assert.isTrue(result.isError)
    assert.notMatch(textOf(result), /\n/)
    assert.match(textOf(result), /COZE_API_BASE|region|key/i)
    assert.isTrue((await h.call("token", { profile: "other-region" })).isError)
  })

  it("says what to do when not logged in", async () => {
    const h = await open()
    const result = await h.call("token")
    assert.isTrue(result.isError)
    assert.match(textOf(result), /login/i)
    assert.isTrue((await h.call("refresh")).isError)
  })

  it("rejects an unknown profile and a flow the profile's app lacks", async () => {
    const h = await open()
    const unknown = await h.call("status", { profile: "nope" })
    assert.isTrue(unknown.isError)
    assert.match(textOf(unknown), /Unknown profile "nope"; configured profiles: default, pkce, jwt, other-region, pat/)
    const mismatch = await h.call("login", { profile: "default", flow: "pkce" })
    assert.isTrue(mismatch.isError)
    assert.match(textOf(mismatch), /device app/)
  })

  it("serves a static token as it is", async () => {
    const h = await open()
    assert.deepInclude(structured(await h.call("login", { profile: "pat" })), {
      status: "authenticated",
      expires_at: null
    })
    const status = (
      structured(await h.call("status", { profile: "pat" })).profiles as Array<Record<string, unknown>>
    )[0]!
    assert.deepInclude(status, {
      flow: "token",
      authenticated: true,
      valid: true,
      store: { kind: "env", location: "COZE_API_TOKEN", encrypted: false }
    })
    assert.strictEqual(structured(await h.call("token", { profile: "pat" })).access_token, "pat_not_a_real_token")
    // Not `{ expires_at: null }` as if it had refreshed.
    const refresh = await h.call("refresh", { profile: "pat" })
    assert.isTrue(refresh.isError)
    assert.match(textOf(refresh), /^Profile "pat" uses a static token \(PAT or SAT\), which cannot be refreshed/)
    assert.match(structured(await h.call("logout", { profile: "pat" })).note as string, /static token.*stays valid/)
  })
})

describe("answers a model can misread", () => {
  it("token says when min_valid_seconds is longer than any token lives", async () => {
    const h = await open()
    const code = await startDevice(h)
    await h.emulator((e) => e.approveDevice(code))
    structured(await h.call("login", { wait: true }))
    const plain = structured(await h.call("token"))
    assert.isUndefined(plain.note)
    const long = structured(await h.call("token", { min_valid_seconds: 3600 }))
    assert.match(
      long.note as string,
      /^min_valid_seconds 3600 is longer than this profile's tokens live: .* valid for \d+ seconds/
    )
    assert.strictEqual(await usersMe(h.url, long.access_token as string), 200)
  })

  it("status tells valid now from expired, and says whether it can refresh", async () => {
    const h = await open()
    const code = await startDevice(h)
    await h.emulator((e) => e.approveDevice(code))
    structured(await h.call("login", { wait: true }))
    await h.advance(3600)
    const status = (structured(await h.call("status", { profile: "default" })).profiles as Array<object>)[0]
    assert.deepInclude(status, { authenticated: true, valid: false, expired: true, refreshable: true })
    assert.isString(structured(await h.call("token")).access_token)
    const after = (structured(await h.call("status", { profile: "default" })).profiles as Array<object>)[0]
    assert.deepInclude(after, { valid: true, expired: false })
  })
})

describe("concurrency", () => {
  it("refreshes an expired token once for 50 parallel token calls", async () => {
    const h = await open()
    const code = await startDevice(h)
    await h.emulator((e) => e.approveDevice(code))
    structured(await h.call("login", { wait: true }))
    await h.advance(3600)
    const results = await Promise.all(Array.from({ length: 50 }, () => h.call("token")))
    const tokens = new Set(results.map((r) => structured(r).access_token))
    assert.strictEqual(tokens.size, 1)
    const refreshes = (await h.emulator((e) => e.requests)).filter((r) => r.grant_type === "refresh_token")
    assert.strictEqual(refreshes.length, 1)
  })
})

describe("leaks", () => {
  it("keeps every token out of every result but token's", async () => {
    const h = await open()
    const texts: Array<string> = []
    const issued = new Set<string>([h.apps.jwt.private_key!, "pat_not_a_real_token"])
    const record = async (name: string, args: Record<string, unknown> = {}) => {
      const result = await h.call(name, args)
      if (name === "token" && result.isError !== true) issued.add(structured(result).access_token as string)
      else texts.push(textOf(result), JSON.stringify(result.structuredContent ?? {}))
      for (const secret of await h.storedSecrets()) issued.add(secret)
      return result
    }
    await record("token")
    await record("status")
    await record("api_get", { path: "/v1/users/me" })
    const code = structured(await record("login")).user_code as string
    await h.emulator((e) => e.approveDevice(code))
    await record("login", { wait: true })
    await record("status")
    await record("token")
    await record("refresh")
    await record("token")
    await record("login", { profile: "jwt" })
    await record("token", { profile: "jwt" })
    await record("status")
    await record("api_get", { path: "/v1/users/me" })
    await record("api_get", { path: "/v1/workspaces", query: { page_size: 99 } })
    await record("api_get", { path: "https://evil.example/v1/users/me" })
    await record("api_request", { method: "POST", path: "/v1/conversation/create", body: { meta_data: {} } })
    await record("api_request", {
      method: "POST",
      path: "/v3/chat",
      body: { bot_id: "7400000000000000201", user_id: "u", stream: true }
    })
    await h.advance(3600)
    await record("api_get", { path: "/v1/users/me" })
    await record("api_get", { profile: "jwt", path: "/v1/users/me", session_name: "alice" })
    await record("token", { profile: "jwt", session_name: "alice" })
    await record("api_get", { profile: "pat", path: "/v1/users/me" })
    await record("login", { profile: "other-region" })
    await record("logout")
    await record("refresh")
    await record("status")
    assert.isAtLeast(issued.size, 8)
    for (const secret of issued) for (const text of texts) assert.notInclude(text, secret)
  })
})

describe("unexpected failures", () => {
  it("keep their cause: one line in the result, the cause on stderr once, no secret", async () => {
    const written: Array<string> = []
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    try {
      const h = await open({
        store: (store) => ({
          ...store,
          set: () =>
            Effect.fail(
              new TokenStoreError({
                description: "cannot write the token file",
                cause: Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" })
              })
            )
        })
      })
      const result = await h.call("login", { profile: "jwt" })
      assert.isTrue(result.isError)
      assert.strictEqual(textOf(result), "cannot write the token file")
      const log = written.join("")
      assert.strictEqual(log.split("tool failed unexpectedly").length - 1, 1)
      assert.include(log, "EIO: i/o error, write")
      for (const secret of [h.apps.jwt.private_key!, ...(await h.storedSecrets())]) assert.notInclude(log, secret)
    } finally {
      spy.mockRestore()
    }
  })
})
