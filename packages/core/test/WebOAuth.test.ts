import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import * as WebOAuth from "../src/WebOAuth.js"
import { emulatorRegion, requestsOf, TestEmulator } from "./utils/index.js"

const redirectUri = "http://127.0.0.1:3000/callback"

/** A web app registered on the emulator and a WebOAuth for it. */
const setup = Effect.gen(function* () {
  const emulator = yield* EmulatorClient
  const app = yield* emulator.createApp({ type: "web", redirect_uris: [redirectUri] })
  const web = yield* WebOAuth.make({
    clientId: app.client_id,
    clientSecret: Redacted.make(app.client_secret!),
    redirectUri,
    region: yield* emulatorRegion
  })
  return { app, emulator, web }
})

/** Consent through the emulator's control API; the code and state from the final redirect. */
const consent = (url: string, decision: "approve" | "deny" = "approve") =>
  Effect.flatMap(EmulatorClient, (emulator) => emulator.authorize(url, decision)).pipe(
    Effect.map((redirect) => new URL(redirect).searchParams)
  )

describe("WebOAuth", () => {
  it.scoped("logs in through consent, refreshes, and the old refresh token is dead", () =>
    Effect.gen(function* () {
      const { web } = yield* setup
      const { state, url } = yield* web.authorizationUrl()
      assert.isAtLeast(state.length, 43)
      const query = yield* consent(url)
      const token = yield* web.exchange({ code: query.get("code")!, state: query.get("state")!, expectedState: state })
      assert.strictEqual(token.flow, "web")
      assert.isTrue(token.refreshable)
      assert.isTrue(Option.isSome(token.expiresAt))
      assert.isTrue(Option.isSome(token.logId))

      const refreshed = yield* web.refresh(Option.getOrThrow(token.refreshToken))
      assert.notStrictEqual(Redacted.value(refreshed.accessToken), Redacted.value(token.accessToken))
      const reuse = yield* Effect.flip(web.refresh(Option.getOrThrow(token.refreshToken)))
      assert.strictEqual(reuse._tag, "InvalidGrant")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("rejects a foreign state locally, without sending the code", () =>
    Effect.gen(function* () {
      const { web } = yield* setup
      const { url } = yield* web.authorizationUrl({ state: "mine" })
      const query = yield* consent(url)
      assert.strictEqual(query.get("state"), "mine")
      const error = yield* Effect.flip(
        web.exchange({ code: query.get("code")!, state: "forged", expectedState: "mine" })
      )
      assert.strictEqual(error._tag, "StateMismatch")
      assert.lengthOf(yield* requestsOf("authorization_code"), 0)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("rejects an empty expected state, even against an empty state", () =>
    Effect.gen(function* () {
      const { web } = yield* setup
      const { url } = yield* web.authorizationUrl({ state: "mine" })
      const code = (yield* consent(url)).get("code")!
      for (const state of ["", "mine"]) {
        const error = yield* Effect.flip(web.exchange({ code, state, expectedState: "" }))
        assert.strictEqual(error._tag, "StateMismatch")
      }
      const prefix = yield* Effect.flip(web.exchange({ code, state: "min", expectedState: "mine" }))
      assert.strictEqual(prefix._tag, "StateMismatch")
      assert.lengthOf(yield* requestsOf("authorization_code"), 0)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("builds workspace-scoped URLs and fails without a redirect URI", () =>
    Effect.gen(function* () {
      const { app } = yield* setup
      const web = yield* WebOAuth.make({ clientId: app.client_id, clientSecret: Redacted.make("s") })
      const missing = yield* Effect.flip(web.authorizationUrl())
      assert.strictEqual(missing.field, "COZE_WEB_OAUTH_REDIRECT_URI")
      const { url } = yield* web.authorizationUrl({ redirectUri, workspaceId: "ws 1", state: "s" })
      assert.strictEqual(
        url,
        `https://www.coze.com/api/permission/oauth2/workspace_id/ws%201/authorize?response_type=code&client_id=${app.client_id}&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcallback&state=s`
      )
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("maps a wrong secret to InvalidClient with a region hint and a disabled app to AppDisabled", () =>
    Effect.gen(function* () {
      const { app, emulator, web } = yield* setup
      const wrong = yield* WebOAuth.make({
        clientId: app.client_id,
        clientSecret: Redacted.make("wrong"),
        redirectUri,
        region: yield* emulatorRegion
      })
      const { state, url } = yield* wrong.authorizationUrl()
      const query = yield* consent(url)
      const error = yield* Effect.flip(wrong.exchange({ code: query.get("code")!, state, expectedState: state }))
      assert.strictEqual(error._tag, "InvalidClient")
      if (error._tag === "InvalidClient") {
        assert.strictEqual(error.status, 401)
        assert.include(error.hint, "COZE_API_BASE")
        assert.isString(error.logId)
      }
      const login = yield* web.authorizationUrl()
      const approved = yield* consent(login.url)
      const token = yield* web.exchange({
        code: approved.get("code")!,
        state: approved.get("state")!,
        expectedState: login.state
      })
      yield* emulator.disableApp(app.client_id)
      const disabled = yield* Effect.flip(web.refresh(Option.getOrThrow(token.refreshToken)))
      assert.strictEqual(disabled._tag, "AppDisabled")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("a denied consent redirects with an error and no code", () =>
    Effect.gen(function* () {
      const { web } = yield* setup
      const { url } = yield* web.authorizationUrl()
      const query = yield* consent(url, "deny")
      assert.isNull(query.get("code"))
    }).pipe(Effect.provide(TestEmulator()))
  )
})
