import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { EmulatorClient } from "../src/EmulatorClient.js"
import { assertOAuthError, GrantTypes, postJson, postToken, TestEmulator } from "./utils/index.js"

/** A device app and a fresh device code for it. */
const startDeviceFlow = (path = "/api/permission/oauth2/device/code") =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient
    const app = yield* emulator.createApp({ type: "device" })
    const answer = yield* postJson(path, { client_id: app.client_id })
    assert.strictEqual(answer.status, 200, answer.text)
    const device_code = String(answer.json.device_code)
    const poll = postToken({ grant_type: GrantTypes.deviceCode, client_id: app.client_id, device_code })
    return { app, answer: answer.json, emulator, poll, user_code: String(answer.json.user_code) }
  })

describe("device code flow", () => {
  it.scoped("issues codes with a duration expires_in, workspace path included", () =>
    Effect.gen(function* () {
      for (const path of [
        "/api/permission/oauth2/device/code",
        "/api/permission/oauth2/workspace_id/7400001/device/code"
      ]) {
        const { answer } = yield* startDeviceFlow(path)
        assert.match(String(answer.user_code), /^[A-Z]{4}-[A-Z]{4}$/)
        assert.match(String(answer.verification_uri), /^http:\/\/127\.0\.0\.1:\d+\/oauth\/device$/)
        assert.strictEqual(answer.expires_in, 300)
        assert.strictEqual(answer.interval, 5)
      }
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("pending, slow_down growing by 5 up to 30, then approved once", () =>
    Effect.gen(function* () {
      const { emulator, poll, user_code } = yield* startDeviceFlow()
      assertOAuthError(yield* poll, 400, "authorization_pending")
      // Polled too soon: slow_down, and the required interval grows 5 → 10 → … → 30 (capped).
      for (const _ of [10, 15, 20, 25, 30, 30]) assertOAuthError(yield* poll, 400, "slow_down")
      yield* emulator.advanceClock(29)
      assertOAuthError(yield* poll, 400, "slow_down")
      yield* emulator.advanceClock(30)
      assertOAuthError(yield* poll, 400, "authorization_pending")
      yield* emulator.approveDevice(user_code.toLowerCase().replace("-", ""))
      yield* emulator.advanceClock(30)
      const tokens = yield* poll
      assert.strictEqual(tokens.status, 200, tokens.text)
      assert.match(String(tokens.json.access_token), /^czu_/)
      assert.isString(tokens.json.refresh_token)
      yield* emulator.advanceClock(30)
      assertOAuthError(yield* poll, 400, "invalid_grant")
      const requests = yield* emulator.requests
      assert.deepStrictEqual(
        requests
          .filter((r) => r.grant_type === GrantTypes.deviceCode)
          .map((r) => r.status)
          .slice(-2),
        [200, 400]
      )
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("a slow enough client is never told to slow down", () =>
    Effect.gen(function* () {
      const { emulator, poll } = yield* startDeviceFlow()
      for (const _ of [1, 2, 3]) {
        assertOAuthError(yield* poll, 400, "authorization_pending")
        yield* emulator.advanceClock(5)
      }
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("deny gives access_denied; expiry gives expired_token", () =>
    Effect.gen(function* () {
      const denied = yield* startDeviceFlow()
      yield* denied.emulator.denyDevice(denied.user_code)
      assertOAuthError(yield* denied.poll, 400, "access_denied")

      const expired = yield* startDeviceFlow()
      yield* expired.emulator.advanceClock(300)
      assertOAuthError(yield* expired.poll, 400, "expired_token")
      assertOAuthError(
        yield* postJson("/__emulator/device/approve", { user_code: expired.user_code }),
        404,
        "not_found"
      )
    }).pipe(Effect.provide(TestEmulator({ deviceCodeTtl: 300 })))
  )

  it.scoped("honours --interval and checks the client", () =>
    Effect.gen(function* () {
      const { answer, app, emulator, poll } = yield* startDeviceFlow()
      assert.strictEqual(answer.interval, 2)
      assertOAuthError(yield* poll, 400, "authorization_pending")
      yield* emulator.advanceClock(2)
      assertOAuthError(yield* poll, 400, "authorization_pending")
      const other = yield* emulator.createApp({ type: "device" })
      const wrongClient = {
        grant_type: GrantTypes.deviceCode,
        client_id: other.client_id,
        device_code: answer.device_code
      }
      assertOAuthError(yield* postToken(wrongClient), 400, "invalid_grant")
      assertOAuthError(
        yield* postJson("/api/permission/oauth2/device/code", { client_id: "0.app.coze" }),
        401,
        "invalid_client"
      )
      const web = yield* emulator.createApp({ type: "web" })
      assertOAuthError(
        yield* postJson("/api/permission/oauth2/device/code", { client_id: web.client_id }),
        400,
        "invalid_request"
      )
      yield* emulator.disableApp(app.client_id)
      assertOAuthError(
        yield* postJson("/api/permission/oauth2/device/code", { client_id: app.client_id }),
        400,
        "access_deny"
      )
    }).pipe(Effect.provide(TestEmulator({ interval: 2 })))
  )
})
