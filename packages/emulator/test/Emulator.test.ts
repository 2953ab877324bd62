import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, TestClock } from "effect"
import * as Emulator from "../src/Emulator.js"
import { EmulatorClient } from "../src/EmulatorClient.js"
import {
  assertOAuthError,
  get,
  postChunked,
  postJson,
  postToken,
  send,
  TestEmulator,
  tokenPath,
  userTokens
} from "./utils/index.js"

const logIdPattern = /^\d{14}[0-9A-F]{20}$/

describe("Emulator", () => {
  it.scoped("serves health with one base for both roles", () =>
    Effect.gen(function* () {
      const { url } = yield* Emulator.Emulator
      const emulator = yield* EmulatorClient
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.deepStrictEqual(yield* emulator.health, { ok: true, api_base: url, www_base: url })
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("puts X-Tt-Logid on every response and echoes the caller's", () =>
    Effect.gen(function* () {
      for (const answer of [
        yield* get("/__emulator/health"),
        yield* get("/no/such/path"),
        yield* postToken({ grant_type: "nope" }),
        yield* get("/v1/users/me")
      ]) {
        assert.match(answer.headers["x-tt-logid"]!, logIdPattern)
      }
      const echoed = yield* postToken({ grant_type: "nope" }, { "X-Tt-Logid": "20240101000000ABCDEF" })
      assert.strictEqual(echoed.headers["x-tt-logid"], "20240101000000ABCDEF")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("answers unknown paths with a 404 JSON body", () =>
    Effect.gen(function* () {
      assertOAuthError(yield* get("/api/permission/oauth2/nothing"), 404, "not_found")
      assertOAuthError(yield* get(tokenPath), 404, "not_found")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("rejects bad bodies with invalid_request naming the problem", () =>
    Effect.gen(function* () {
      const raw = (body: string, contentType: string) =>
        send(HttpClientRequest.post(tokenPath).pipe(HttpClientRequest.bodyText(body, contentType)))
      assertOAuthError(yield* raw("{oops", "application/json"), 400, "invalid_request", "not valid JSON")
      assertOAuthError(yield* raw("[1]", "application/json"), 400, "invalid_request", "JSON object")
      assertOAuthError(
        yield* raw("grant_type=refresh_token", "application/x-www-form-urlencoded"),
        400,
        "invalid_request",
        "Content-Type"
      )
      assertOAuthError(
        yield* raw(`{"grant_type":"refresh_token"}`, "application/json; charset=utf-8"),
        400,
        "invalid_request",
        "invalid request: missing refresh_token"
      )
      assertOAuthError(yield* postToken({}), 400, "invalid_request", "missing grant_type")
      assertOAuthError(yield* postToken({ grant_type: 7 }), 400, "invalid_request", "grant_type")
      assertOAuthError(yield* postToken({ grant_type: "password" }), 400, "unsupported_grant_type", "password")
      assertOAuthError(
        yield* postToken({ grant_type: "authorization_code", client_id: "1.app.coze", code: "c", redirect_uri: "x" }),
        401,
        "invalid_client",
        "unknown client_id"
      )
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("takes control calls as JSON whatever their Content-Type (a bare curl -d works)", () =>
    Effect.gen(function* () {
      const formEncoded = HttpClientRequest.post("/__emulator/apps").pipe(
        HttpClientRequest.bodyText(`{"type":"device"}`, "application/x-www-form-urlencoded")
      )
      const answer = yield* send(formEncoded)
      assert.strictEqual(answer.status, 200)
      assert.match(String((answer.json as { client_id?: unknown }).client_id), /^\d+\.app\.coze$/)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("answers a body over 64 KiB with 413 in the error shape", () =>
    Effect.gen(function* () {
      const answer = yield* postToken({ grant_type: "refresh_token", padding: "x".repeat(70 * 1024) })
      assertOAuthError(answer, 413, "invalid_request", "larger than")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("answers a chunked body over 64 KiB (no Content-Length) with 413 in the error shape too", () =>
    Effect.gen(function* () {
      const padding = "x".repeat(70 * 1024)
      for (const path of [tokenPath, "/__emulator/apps"]) {
        assertOAuthError(yield* postChunked(path, `{"padding":"${padding}"}`), 413, "invalid_request", "larger than")
      }
      const small = yield* postChunked(tokenPath, `{"grant_type":"password"}`)
      assertOAuthError(small, 400, "unsupported_grant_type", "password")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("creates apps of every type with ids, secrets and key fingerprints", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const web = yield* emulator.createApp({ type: "web" })
      assert.match(web.client_id, /^\d{13}\.app\.coze$/)
      assert.isString(web.client_secret)
      const pkce = yield* emulator.createApp({ type: "pkce" })
      assert.isUndefined(pkce.client_secret)
      const bad = yield* postJson("/__emulator/apps", { type: "jwt", public_key_pem: "not a key" })
      assertOAuthError(bad, 400, "invalid_request", "public_key_pem")
      assertOAuthError(yield* postJson("/__emulator/apps", { type: "robot" }), 400, "invalid_request", "type")
      assertOAuthError(yield* postJson("/__emulator/apps/0.app.coze/disable", {}), 404, "not_found")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("GET /v1/users/me answers live tokens and 4100 otherwise", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "pkce" })
      const ok = yield* userTokens(app.client_id)
      const bearer = { Authorization: `Bearer ${ok.access_token}` }
      const me = yield* get("/v1/users/me", bearer)
      assert.strictEqual(me.status, 200)
      assert.strictEqual(me.json.code, 0)
      assert.strictEqual(me.json.msg, "")
      assert.hasAllKeys(me.json.data, ["user_id", "user_name", "nick_name", "avatar_url"])

      const assert4100 = (answer: typeof me) => {
        assert.strictEqual(answer.status, 401)
        assert.deepStrictEqual(answer.json, {
          code: 4100,
          msg: "authentication is invalid",
          detail: { logid: answer.headers["x-tt-logid"] }
        })
      }
      assert4100(yield* get("/v1/users/me"))
      assert4100(yield* get("/v1/users/me", { Authorization: "Bearer czu_unknown" }))
      yield* emulator.disableApp(app.client_id)
      assert4100(yield* get("/v1/users/me", bearer))
      yield* emulator.enableApp(app.client_id)
      assert.strictEqual((yield* get("/v1/users/me", bearer)).status, 200)
      yield* emulator.advanceClock(900)
      assert4100(yield* get("/v1/users/me", bearer))
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("follows the clock it was built with, plus the control offset", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      assert.deepStrictEqual(yield* emulator.advanceClock(0), { now: 0 })
      yield* TestClock.adjust("100 seconds")
      assert.deepStrictEqual(yield* emulator.advanceClock(20), { now: 120 })
      const app = yield* emulator.createApp({ type: "device" })
      const device = yield* postJson("/api/permission/oauth2/device/code", { client_id: app.client_id })
      yield* emulator.approveDevice(String(device.json.user_code))
      const tokens = yield* postToken({
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: app.client_id,
        device_code: device.json.device_code
      })
      assert.strictEqual(tokens.json.expires_in, 120 + 900)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("refuses clock moves that are not whole seconds up to a century, and keeps working", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      for (const advance_seconds of [1e13, 0.0001, -1, 100 * 366 * 86400, "60"]) {
        const answer = yield* postJson("/__emulator/clock", { advance_seconds })
        assertOAuthError(answer, 400, "invalid_request", "advance_seconds")
        const health = yield* get("/__emulator/health")
        assert.strictEqual(health.status, 200, health.text)
        assert.match(health.headers["x-tt-logid"]!, logIdPattern)
        assert.deepStrictEqual(yield* emulator.advanceClock(0), { now: 0 })
      }
      assert.deepStrictEqual(yield* emulator.advanceClock(100 * 365 * 86400), { now: 100 * 365 * 86400 })
      yield* emulator.reset
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("still sends a log id when its clock is past the last date JavaScript can represent", () =>
    Effect.gen(function* () {
      yield* TestClock.adjust(Duration.millis(9e15))
      const health = yield* get("/__emulator/health")
      assert.strictEqual(health.status, 200, health.text)
      assert.match(health.headers["x-tt-logid"]!, logIdPattern)
      const unknown = yield* get("/no/such/path")
      assertOAuthError(unknown, 404, "not_found")
      assert.match(unknown.headers["x-tt-logid"]!, logIdPattern)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("hands out its clock, for an embedding program to run on", () =>
    Effect.gen(function* () {
      const { clock } = yield* Emulator.Emulator
      const emulator = yield* EmulatorClient
      yield* TestClock.adjust("10 seconds")
      yield* emulator.advanceClock(50)
      assert.strictEqual(clock.unsafeCurrentTimeMillis(), 60_000)
      assert.strictEqual(clock.unsafeCurrentTimeNanos(), 60_000_000_000n)
      assert.strictEqual(yield* Effect.withClock(Clock.currentTimeMillis, clock), 60_000)
      yield* emulator.reset
      assert.strictEqual(yield* clock.currentTimeMillis, 10_000)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("logs protocol requests in order, and reset forgets everything", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      yield* postToken({ grant_type: "refresh_token", refresh_token: "czr_x" })
      yield* get("/v1/users/me")
      yield* emulator.advanceClock(5)
      const log = yield* emulator.requests
      assert.deepStrictEqual(log, [
        { method: "POST", path: tokenPath, grant_type: "refresh_token", status: 400, at: 0 },
        { method: "GET", path: "/v1/users/me", status: 401, at: 0 }
      ])
      const app = yield* emulator.createApp({ type: "device" })
      yield* emulator.reset
      assert.deepStrictEqual(yield* emulator.requests, [])
      assert.deepStrictEqual(yield* emulator.advanceClock(0), { now: 0 })
      const gone = yield* postJson("/api/permission/oauth2/device/code", { client_id: app.client_id })
      assertOAuthError(gone, 401, "invalid_client")
    }).pipe(Effect.provide(TestEmulator()))
  )
})
