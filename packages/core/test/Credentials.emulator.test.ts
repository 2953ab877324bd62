import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Array as Arr, Effect, Layer, Redacted, TestClock } from "effect"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as Credentials from "../src/Credentials.js"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as Region from "../src/Region.js"
import * as TokenStore from "../src/TokenStore.js"

// The emulator runs on the test's clock: TestClock.adjust expires its tokens too.
const TestEmulator = EmulatorClient.layer.pipe(
  Layer.provideMerge(Emulator.layer({ port: 0 })),
  Layer.provideMerge(FetchHttpClient.layer)
)

/** A device login against the emulator, stored under "default"; returns Credentials for it. */
const loggedIn = Effect.gen(function* () {
  const emulator = yield* EmulatorClient.EmulatorClient
  const app = yield* emulator.createApp({ type: "device" })
  const region = Region.custom({ apiBase: emulator.url })
  const device = yield* DeviceOAuth.make({ clientId: app.client_id, region })
  const code = yield* device.deviceCode()
  yield* emulator.approveDevice(code.userCode)
  const store = yield* TokenStore.makeMemory
  yield* store.set("default", yield* device.poll(code))
  const credentials = yield* Credentials.make({
    profile: "default",
    source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
  }).pipe(Effect.provideService(TokenStore.TokenStore, store))
  return { emulator, credentials, region, app }
})

const refreshRequests = (emulator: EmulatorClient.Service) =>
  Effect.map(emulator.requests, (all) => all.filter((r) => r.grant_type === "refresh_token"))

describe("Credentials against the emulator", () => {
  it.scoped("1,000 concurrent token calls on an expired token send exactly one token request", () =>
    Effect.gen(function* () {
      const { emulator, credentials } = yield* loggedIn
      const before = yield* credentials.token()
      yield* TestClock.adjust("901 seconds")
      const tokens = yield* Effect.all(
        Arr.makeBy(1000, () => credentials.token()),
        { concurrency: "unbounded" }
      )
      const refreshes = yield* refreshRequests(emulator)
      assert.deepStrictEqual(
        refreshes.map((r) => r.status),
        [200]
      )
      const values = new Set(tokens.map((token) => Redacted.value(token.accessToken)))
      assert.strictEqual(values.size, 1)
      assert.isFalse(values.has(Redacted.value(before.accessToken)))
    }).pipe(Effect.provide(TestEmulator))
  )

  it.scoped("the authenticated client recovers from a revoked access token with one refresh", () =>
    Effect.gen(function* () {
      const { emulator, credentials, region } = yield* loggedIn
      const client = yield* AuthHttpClient.make({ region }).pipe(
        Effect.provideService(Credentials.Credentials, credentials)
      )
      assert.strictEqual((yield* client.get("/v1/users/me")).status, 200)
      // The emulator expires the token, but our clock has not moved: only the 401 can tell us.
      yield* emulator.advanceClock(901)
      const response = yield* client.get("/v1/users/me")
      assert.strictEqual(response.status, 200)
      assert.strictEqual((yield* refreshRequests(emulator)).length, 1)
      const users = (yield* emulator.requests).filter((r) => r.path === "/v1/users/me").map((r) => r.status)
      assert.deepStrictEqual(users, [200, 401, 200])
    }).pipe(Effect.provide(TestEmulator))
  )
})
