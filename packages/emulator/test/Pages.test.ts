import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Chromium from "../src/Chromium.js"
import { EmulatorClient } from "../src/EmulatorClient.js"
import { assertOAuthError, authorizeUrl, GrantTypes, postJson, postToken, TestEmulator } from "./utils/index.js"

// A redirect target nobody listens on: the browser's attempt to load it is all we look at.
const redirect_uri = "http://127.0.0.1:9/callback"

/** Clicks `button` on the consent page and returns the URL the browser was sent to. */
const consentInBrowser = (button: "approve" | "deny") =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient
    const app = yield* emulator.createApp({
      type: "web",
      name: "Browser test app",
      redirect_uris: ["http://127.0.0.1/callback"]
    })
    const page = yield* Chromium.page
    const url = yield* authorizeUrl({ client_id: app.client_id, redirect_uri, state: "st8" })
    yield* Effect.promise(() => page.goto(url))
    assert.include(yield* Effect.promise(() => page.textContent("main")), "Browser test app")
    const redirected = page.waitForRequest((request) => request.url().startsWith(redirect_uri))
    yield* Effect.promise(() => page.click(`#${button}`))
    return new URL((yield* Effect.promise(() => redirected)).url())
  })

/** Starts a device flow, answers it on the verification page (code typed lowercase, no dash). */
const deviceInBrowser = (button: "approve" | "deny") =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient
    const app = yield* emulator.createApp({ type: "device", name: "Browser device app" })
    const started = yield* postJson("/api/permission/oauth2/device/code", { client_id: app.client_id })
    const page = yield* Chromium.page
    yield* Effect.promise(() => page.goto(String(started.json.verification_uri)))
    const typed = String(started.json.user_code).replace("-", "").toLowerCase()
    yield* Effect.promise(() => page.fill("input[name=user_code]", typed))
    yield* Effect.promise(() => Promise.all([page.waitForURL("**/oauth/device"), page.click(`#${button}`)]))
    const result = yield* Effect.promise(() => page.textContent("#result"))
    assert.include(result, "Browser device app")
    return yield* postToken({
      grant_type: GrantTypes.deviceCode,
      client_id: app.client_id,
      device_code: started.json.device_code
    })
  })

describe("pages in headless Chromium", () => {
  it.scoped("consent: approve sends the browser back with code and state", () =>
    Effect.gen(function* () {
      const back = yield* consentInBrowser("approve")
      assert.match(back.searchParams.get("code")!, /^code_/)
      assert.strictEqual(back.searchParams.get("state"), "st8")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("consent: deny sends the browser back with access_denied", () =>
    Effect.gen(function* () {
      const back = yield* consentInBrowser("deny")
      assert.strictEqual(back.searchParams.get("error"), "access_denied")
      assert.strictEqual(back.searchParams.get("state"), "st8")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("device: approving on the page lets the poll succeed", () =>
    Effect.gen(function* () {
      const tokens = yield* deviceInBrowser("approve")
      assert.strictEqual(tokens.status, 200, tokens.text)
      assert.match(String(tokens.json.access_token), /^czu_/)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("device: denying on the page makes the poll fail with access_denied", () =>
    Effect.gen(function* () {
      assertOAuthError(yield* deviceInBrowser("deny"), 400, "access_denied")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("device: a prefilled link shows the app, an unknown code says so", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "device", name: "Prefilled app" })
      const started = yield* postJson("/api/permission/oauth2/device/code", { client_id: app.client_id })
      const page = yield* Chromium.page
      yield* Effect.promise(() => page.goto(`${started.json.verification_uri}?user_code=${started.json.user_code}`))
      assert.include(yield* Effect.promise(() => page.textContent("main")), "Prefilled app")
      yield* Effect.promise(() => page.fill("input[name=user_code]", "ZZZZ-ZZZZ"))
      yield* Effect.promise(() => Promise.all([page.waitForURL("**/oauth/device"), page.click("#approve")]))
      assert.include(yield* Effect.promise(() => page.textContent("[role=alert]")), "unknown")
    }).pipe(Effect.provide(TestEmulator()))
  )
})
