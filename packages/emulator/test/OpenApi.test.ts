import { HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import * as Emulator from "../src/Emulator.js"
import { EmulatorClient } from "../src/EmulatorClient.js"
import { assertOAuthError, get, postJson, send, TestEmulator, userTokens } from "./utils/index.js"

const assert4100 = (answer: { readonly status: number; readonly json: Record<string, unknown> }) => {
  assert.strictEqual(answer.status, 401)
  assert.strictEqual(answer.json.code, 4100)
}

/** A live user token's `Authorization` header. */
const bearer = Effect.gen(function* () {
  const app = yield* (yield* EmulatorClient).createApp({ type: "pkce" })
  const tokens = yield* userTokens(app.client_id)
  return { clientId: app.client_id, headers: { Authorization: `Bearer ${tokens.access_token}` } }
})

const personal = "7400000000000000101"
const alpha = "7400000000000000102"

describe("OpenAPI endpoints", () => {
  it.scoped("lists workspaces in Coze's shape, paged", () =>
    Effect.gen(function* () {
      const { headers } = yield* bearer
      const first = yield* get("/v1/workspaces", headers)
      assert.strictEqual(first.status, 200)
      assert.strictEqual(first.json.code, 0)
      const data = first.json.data as { workspaces: Array<Record<string, unknown>>; total_count: number }
      assert.strictEqual(data.total_count, 3)
      assert.hasAllKeys(data.workspaces[0], ["id", "name", "icon_url", "role_type", "workspace_type"])
      const second = (yield* get("/v1/workspaces?page_num=2&page_size=2", headers)).json.data as typeof data
      assert.deepStrictEqual(
        second.workspaces.map((w) => w.id),
        [data.workspaces[2]!.id]
      )
      const bad = yield* get("/v1/workspaces?page_size=51", headers)
      assert.strictEqual(bad.status, 200)
      assert.strictEqual(bad.json.code, 4000)
      assert.match(String(bad.json.msg), /page_size/)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("lists a workspace's bots, paged, and says when the workspace is unknown", () =>
    Effect.gen(function* () {
      const { headers } = yield* bearer
      const page = (yield* get(`/v1/bots?workspace_id=${alpha}&page_index=2&page_size=20`, headers)).json
      const data = page.data as { items: Array<Record<string, unknown>>; total: number }
      assert.strictEqual(data.total, 25)
      assert.strictEqual(data.items.length, 5)
      assert.includeMembers(Object.keys(data.items[0]!), ["id", "name", "description", "is_published", "updated_at"])
      const mine = (yield* get(`/v1/bots?workspace_id=${personal}`, headers)).json.data as typeof data
      assert.deepStrictEqual(
        mine.items.map((b) => b.name),
        ["Echo Bot", "Endless Bot"]
      )
      assert.strictEqual((yield* get("/v1/bots?workspace_id=1", headers)).json.code, 4200)
      assert.strictEqual((yield* get("/v1/bots", headers)).json.code, 4000)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("creates conversations, echoing meta_data", () =>
    Effect.gen(function* () {
      const { headers } = yield* bearer
      const created = yield* postJson("/v1/conversation/create", { meta_data: { topic: "emulator" } }, headers)
      assert.strictEqual(created.json.code, 0)
      const data = created.json.data as Record<string, unknown>
      assert.match(data.id as string, /^\d{19}$/)
      assert.isNumber(data.created_at)
      assert.deepStrictEqual(data.meta_data, { topic: "emulator" })
      assert.strictEqual((yield* postJson("/v1/conversation/create", { meta_data: [1] }, headers)).json.code, 4000)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("puts every endpoint behind the token check, a revoked app's tokens included", () =>
    Effect.gen(function* () {
      const { clientId, headers } = yield* bearer
      assert4100(yield* get("/v1/workspaces"))
      assert4100(yield* get(`/v1/bots?workspace_id=${personal}`, { Authorization: "Bearer czu_unknown" }))
      assert4100(yield* postJson("/v1/conversation/create", {}))
      assert4100(yield* postJson("/v3/chat", { bot_id: "1", user_id: "u" }))
      assert.strictEqual((yield* get("/v1/workspaces", headers)).status, 200)
      yield* (yield* EmulatorClient).revokeApp(clientId)
      assert4100(yield* get("/v1/workspaces", headers))
      assert4100(yield* get("/v1/users/me", headers))
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("answers a chat at once, or as Coze's SSE events with stream: true", () =>
    Effect.gen(function* () {
      const { headers } = yield* bearer
      const message = { bot_id: "7400000000000000201", user_id: "u1" }
      const additional_messages = [{ role: "user", content: "hello there", content_type: "text" }]
      const plain = yield* postJson("/v3/chat", { ...message, additional_messages }, headers)
      assert.strictEqual((plain.json.data as Record<string, unknown>).status, "completed")
      const streamed = yield* postJson("/v3/chat", { ...message, additional_messages, stream: true }, headers)
      assert.strictEqual(streamed.headers["content-type"], "text/event-stream")
      const events = [...streamed.text.matchAll(/^event: (.+)$/gm)].map((m) => m[1])
      assert.deepStrictEqual(events, [
        "conversation.chat.created",
        "conversation.chat.in_progress",
        ...Array(4).fill("conversation.message.delta"), // "You ", "said: ", "hello ", "there"
        "conversation.message.completed",
        "conversation.chat.completed",
        "done"
      ])
      assert.include(streamed.text, '"content":"You said: hello there"')
      assert.strictEqual((yield* postJson("/v3/chat", { ...message, bot_id: "1" }, headers)).json.code, 4200)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("streams the endless bot's answer until the client stops reading", () =>
    Effect.gen(function* () {
      const { headers } = yield* bearer
      const { url } = yield* Emulator.Emulator
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post(`${url}/v3/chat`).pipe(
          HttpClientRequest.setHeaders(headers),
          HttpClientRequest.bodyUnsafeJson({ bot_id: "7400000000000000202", user_id: "u1", stream: true })
        )
      )
      const bytes = yield* response.stream.pipe(
        Stream.map((chunk) => chunk.length),
        Stream.scan(0, (sum, n) => sum + n),
        Stream.takeUntil((sum) => sum > 20_000),
        Stream.runLast
      )
      assert.isAbove(
        Option.getOrElse(bytes, () => 0),
        20_000
      )
      // The emulator keeps serving after the client hung up.
      assert.strictEqual((yield* get("/v1/users/me", headers)).status, 200)
    }).pipe(Effect.provide(TestEmulator()))
  )
})

describe("personal access tokens (POST /__emulator/pats)", () => {
  const asPat = (token: string) => ({ Authorization: `Bearer ${token}` })

  it.scoped("are accepted like a user token, until they expire on the emulator's clock", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const { token } = yield* emulator.createPat({ expires_in_seconds: 60 })
      const forever = (yield* emulator.createPat()).token
      assert.match(token, /^pat_[\w-]{20,}$/)
      assert.notStrictEqual(token, forever)
      const me = yield* get("/v1/users/me", asPat(token))
      assert.strictEqual(me.status, 200)
      assert.strictEqual((me.json.data as Record<string, unknown>).user_name, "emulator_user")
      assert.strictEqual((yield* get("/v1/workspaces", asPat(token))).json.code, 0)
      assert.strictEqual((yield* postJson("/v1/conversation/create", {}, asPat(token))).json.code, 0)

      yield* emulator.advanceClock(59)
      assert.strictEqual((yield* get("/v1/users/me", asPat(token))).status, 200)
      yield* emulator.advanceClock(1)
      assert4100(yield* get("/v1/users/me", asPat(token)))
      assert4100(yield* get("/v1/workspaces", asPat(token)))
      // Without expires_in_seconds it lives until reset, however far the clock moves.
      yield* emulator.advanceClock(10 * 365 * 24 * 60 * 60)
      assert.strictEqual((yield* get("/v1/users/me", asPat(forever))).status, 200)
      yield* emulator.reset
      assert4100(yield* get("/v1/users/me", asPat(forever)))
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("take a bare POST, and refuse an expiry that is no whole number of seconds", () =>
    Effect.gen(function* () {
      const bare = yield* send(HttpClientRequest.post("/__emulator/pats"))
      assert.strictEqual(bare.status, 200)
      assert.strictEqual((yield* get("/v1/users/me", asPat(bare.json.token as string))).status, 200)
      for (const expires_in_seconds of [0, 1.5, "soon"]) {
        const refused = yield* postJson("/__emulator/pats", { expires_in_seconds })
        assertOAuthError(refused, 400, "invalid_request", "expires_in_seconds")
      }
    }).pipe(Effect.provide(TestEmulator()))
  )
})
