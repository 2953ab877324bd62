import { assert, describe, it } from "@effect/vitest"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { type Harness, type makeHarness, perTest, structured, textOf } from "./utils/harness.js"

const open = perTest()

const personal = "7400000000000000101"
const alpha = "7400000000000000102"
const echoBot = "7400000000000000201"
const endlessBot = "7400000000000000202"
const logIdPattern = /^\d{14}[0-9A-F]{20}$/

/** Logs the default (device) profile in. */
const loggedIn = async (options?: Parameters<typeof makeHarness>[0]) => {
  const h = await open(options)
  const pending = structured(await h.call("login"))
  await h.emulator((e) => e.approveDevice(pending.user_code as string))
  assert.strictEqual(structured(await h.call("login", { wait: true })).status, "authenticated")
  return h
}

const requests = (h: Harness) => h.emulator((e) => e.requests)

describe("api_get", () => {
  it("reads /v1/users/me as the logged-in user", async () => {
    const h = await loggedIn()
    const me = structured(await h.call("api_get", { path: "/v1/users/me" }))
    assert.strictEqual(me.status, 200)
    assert.match(me.log_id as string, logIdPattern)
    assert.deepInclude(me.body as object, { code: 0, msg: "" })
    assert.strictEqual((me.body as { data: { user_name: string } }).data.user_name, "emulator_user")
    assert.isUndefined(me.truncated)
  })

  it("renews an expired token once, then succeeds", async () => {
    const h = await loggedIn()
    await h.advance(3600)
    const me = structured(await h.call("api_get", { path: "/v1/users/me" }))
    assert.strictEqual(me.status, 200)
    const log = await requests(h)
    assert.strictEqual(log.filter((r) => r.grant_type === "refresh_token").length, 1)
    // Renewed before sending: Coze never saw the expired token.
    assert.deepStrictEqual(
      log.filter((r) => r.path === "/v1/users/me").map((r) => r.status),
      [200]
    )
  })

  it("tells the model to log in when the user revoked the app", async () => {
    const h = await loggedIn()
    await h.emulator((e) => e.revokeApp(h.apps.device.client_id))
    const result = await h.call("api_get", { path: "/v1/users/me" })
    assert.isTrue(result.isError)
    assert.match(textOf(result), /refresh token of profile "default" was rejected/)
    assert.match(textOf(result), /call the login tool \(profile "default"\).*then call api_get again/)
    const log = await requests(h)
    // The rejected token was renewed once (and the renewal refused); nothing was retried past that.
    assert.deepStrictEqual(
      log.filter((r) => r.path === "/v1/users/me").map((r) => r.status),
      [401]
    )
    assert.strictEqual(log.filter((r) => r.grant_type === "refresh_token").length, 1)
  })

  it("tells the model to log in when nobody did", async () => {
    const h = await open()
    const refused = await h.call("api_get", { path: "/v1/users/me" })
    assert.isTrue(refused.isError)
    assert.match(textOf(refused), /no credential stored for profile "default": call the login tool/)
  })

  it("starts the login through URL elicitation, and goes on once the user approved", async () => {
    const h = await open({ capabilities: { elicitation: { url: {} } } })
    const shown: Array<string> = []
    h.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      if (request.params.mode !== "url") return { action: "decline" }
      shown.push(request.params.url)
      // The user opens the page and approves; the call goes on once they did.
      const userCode = new URL(request.params.url).searchParams.get("user_code")!
      setTimeout(() => void h.emulator((e) => e.approveDevice(userCode)), 0)
      return { action: "accept" }
    })
    const me = structured(await h.call("api_get", { path: "/v1/users/me" }))
    assert.strictEqual(me.status, 200)
    assert.strictEqual(shown.length, 1)
    assert.match(shown[0]!, /\/oauth\/device\?user_code=/)
  })

  it("cancels the login when the user declines to open the page", async () => {
    const h = await open({ capabilities: { elicitation: { url: {} } } })
    h.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" }))
    const result = await h.call("api_get", { path: "/v1/users/me" })
    assert.isTrue(result.isError)
    assert.match(textOf(result), /declined/)
    const status = (structured(await h.call("status")).profiles as Array<Record<string, unknown>>)[0]!
    assert.isNull(status.pending_login)
  })

  it("lists workspaces and a workspace's bots, paged", async () => {
    const h = await loggedIn()
    const page = structured(await h.call("api_get", { path: "/v1/workspaces", query: { page_num: 1, page_size: 2 } }))
    const data = (page.body as { data: { workspaces: Array<{ id: string }>; total_count: number } }).data
    assert.strictEqual(data.total_count, 3)
    assert.deepStrictEqual(
      data.workspaces.map((w) => w.id),
      [personal, alpha]
    )
    // A query in the path works too.
    const bots = structured(await h.call("api_get", { path: `/v1/bots?workspace_id=${personal}` }))
    assert.deepStrictEqual(
      (bots.body as { data: { items: Array<{ id: string }> } }).data.items.map((b) => b.id),
      [echoBot, endlessBot]
    )
  })

  it("reports Coze's code != 0 inside an HTTP 200 as an error, with the log id and body", async () => {
    const h = await loggedIn()
    const result = await h.call("api_get", { path: "/v1/workspaces", query: { page_size: 51 } })
    assert.isTrue(result.isError)
    const text = textOf(result)
    assert.match(text, /^Coze answered HTTP 200 with code 4000 \(invalid parameter page_size/)
    assert.notMatch(text, /\n/)
    const answer = result.structuredContent as Record<string, unknown>
    assert.strictEqual(answer.status, 200)
    assert.include(text, `"log_id":"${answer.log_id}"`)
    assert.include(text, '"body":{"code":4000')
  })

  it("cuts a body larger than the bound, with a note", async () => {
    const h = await loggedIn({ maxResultBytes: 2048 })
    const bots = structured(
      await h.call("api_get", { path: "/v1/bots", query: { workspace_id: alpha, page_size: 25 } })
    )
    assert.strictEqual(bots.status, 200)
    assert.isTrue(bots.truncated)
    assert.isString(bots.body)
    assert.isAtMost(Buffer.byteLength(bots.body as string), 2048)
    assert.isTrue((bots.body as string).startsWith('{"code":0'))
    assert.match(bots.note as string, /larger than 2048 bytes.*page_size/)
  })

  it("refuses anything but a /v1 or /v3 path on the profile's API base, before sending anything", async () => {
    const h = await loggedIn()
    const before = (await requests(h)).length
    const refused = [
      "https://evil.example/v1/users/me",
      `${h.url}/v1/users/me`,
      "http://127.0.0.1:1/v1/users/me",
      "//evil.example/x",
      "/v1/../v1/users/me",
      "/v1/users/../../__emulator/requests",
      "/v1/%2e%2e/users/me",
      "/v1/%2E%2e/users/me",
      "/v1/%252e%252e/users/me",
      "/v1/users%2fme",
      "/v1/users%5cme",
      "/v1\\users\\me",
      "/v1//users/me",
      "/v1/users me",
      "/v1/users/me#x",
      "/v1/%zz",
      "/api/permission/oauth2/token",
      "/__emulator/requests",
      "/v2/users/me",
      "v1/users/me",
      "javascript:alert(1)"
    ]
    for (const path of refused) {
      const result = await h.call("api_get", { path })
      assert.isTrue(result.isError, path)
      assert.match(textOf(result), /^Refused path /, path)
      const write = await h.call("api_request", { method: "POST", path, body: {} })
      assert.match(textOf(write), /^Refused path /, path)
    }
    assert.strictEqual((await requests(h)).length, before)
  })

  it("refuses session_name for a profile that is not a service app", async () => {
    const h = await loggedIn()
    const result = await h.call("api_get", { path: "/v1/users/me", session_name: "alice" })
    assert.isTrue(result.isError)
    assert.match(textOf(result), /session_name needs a JWT/)
  })
})

describe("api_request", () => {
  it("creates a conversation", async () => {
    const h = await loggedIn()
    const created = structured(
      await h.call("api_request", {
        method: "POST",
        path: "/v1/conversation/create",
        body: { meta_data: { topic: "mcp" } }
      })
    )
    const data = (created.body as { data: Record<string, unknown> }).data
    assert.match(data.id as string, /^\d{19}$/)
    assert.isNumber(data.created_at)
    assert.deepStrictEqual(data.meta_data, { topic: "mcp" })
  })

  it("collects a streamed chat's events", async () => {
    const h = await loggedIn()
    const chat = structured(
      await h.call("api_request", {
        method: "POST",
        path: "/v3/chat",
        body: {
          bot_id: echoBot,
          user_id: "u1",
          stream: true,
          additional_messages: [{ role: "user", content: "hi", content_type: "text" }]
        }
      })
    )
    const events = chat.body as Array<{ event: string; data: unknown }>
    assert.strictEqual(events[0]!.event, "conversation.chat.created")
    assert.deepStrictEqual(events.at(-1), { event: "done", data: "[DONE]" })
    const completed = events.find((e) => e.event === "conversation.message.completed")
    assert.deepInclude(completed?.data, { content: "You said: hi" })
    assert.isUndefined(chat.truncated)
  })

  it("stops collecting a stream that never ends, and says how to call it without streaming", async () => {
    const h = await loggedIn({ maxResultBytes: 4096 })
    const chat = structured(
      await h.call("api_request", {
        method: "POST",
        path: "/v3/chat",
        body: { bot_id: endlessBot, user_id: "u1", stream: true }
      })
    )
    assert.isTrue(chat.truncated)
    assert.isAbove((chat.body as Array<unknown>).length, 2)
    assert.match(chat.note as string, /cut after 4096 bytes.*"stream": false/)
    // The server is still serving.
    assert.strictEqual(structured(await h.call("api_get", { path: "/v1/users/me" })).status, 200)
  })
})

describe("service apps per end user", () => {
  it("mints one token per session_name and reuses it", async () => {
    const h = await open()
    for (const session_name of ["alice", "bob", "alice", "bob"]) {
      const me = structured(await h.call("api_get", { profile: "jwt", path: "/v1/users/me", session_name }))
      assert.strictEqual(me.status, 200)
    }
    const minted = (await requests(h)).filter((r) => r.grant_type === "urn:ietf:params:oauth:grant-type:jwt-bearer")
    assert.strictEqual(minted.length, 2)
    const token = async (session_name: string) =>
      structured(await h.call("token", { profile: "jwt", session_name })).access_token as string
    const [alice, bob] = [await token("alice"), await token("bob")]
    assert.notStrictEqual(alice, bob)
    assert.strictEqual(await token("alice"), alice)
  })

  it("renews a session's token once when Coze rejects it, and retries", async () => {
    const h = await open()
    const me = () => h.call("api_get", { profile: "jwt", path: "/v1/users/me", session_name: "alice" })
    assert.strictEqual(structured(await me()).status, 200)
    await h.emulator((e) => e.revokeApp(h.apps.jwt.client_id))
    assert.strictEqual(structured(await me()).status, 200)
    const log = await requests(h)
    assert.deepStrictEqual(
      log.filter((r) => r.path === "/v1/users/me").map((r) => r.status),
      [200, 401, 200]
    )
    assert.strictEqual(log.filter((r) => r.grant_type === "urn:ietf:params:oauth:grant-type:jwt-bearer").length, 2)
  })
})

describe("read-only mode", () => {
  it("offers no tool that can change anything at Coze", async () => {
    const h = await open({ readOnly: true })
    const { tools } = await h.client.listTools()
    assert.deepStrictEqual(tools.map((t) => t.name).sort(), ["api_get", "login", "refresh", "status"])
    const result = await h.call("api_request", { method: "POST", path: "/v1/conversation/create", body: {} })
    assert.isTrue(result.isError)
    assert.match(textOf(result), /api_request not found/i)
  })
})
