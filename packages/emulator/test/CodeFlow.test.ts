import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { EmulatorClient } from "../src/EmulatorClient.js"
import {
  approvedCode,
  assertOAuthError,
  authorizePath,
  authorizeUrl,
  get,
  postJson,
  postToken,
  TestEmulator,
  userTokens
} from "./utils/index.js"

const redirect_uri = "http://127.0.0.1/callback"

/** RFC 7636 Appendix B. */
const rfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
const rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

const exchange = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  postToken({ grant_type: "authorization_code", redirect_uri, ...body }, headers)

describe("authorize and consent", () => {
  it.scoped("redirects to the consent page with an authorize_key, then back with code and state", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "web" })
      const answer = yield* get(authorizePath({ client_id: app.client_id, redirect_uri, state: "xyz" }))
      assert.strictEqual(answer.status, 302)
      const consent = new URL(answer.headers.location!)
      assert.strictEqual(consent.pathname, "/oauth/consent")
      const key = consent.searchParams.get("authorize_key")!
      const page = yield* get(`/oauth/consent?authorize_key=${key}`)
      assert.include(page.text, 'id="approve"')
      assert.include(page.text, "Emulator web app")
      const { redirect } = yield* emulator.consent(key, "approve")
      const back = new URL(redirect)
      assert.strictEqual(back.origin + back.pathname, redirect_uri)
      assert.match(back.searchParams.get("code")!, /^code_/)
      assert.strictEqual(back.searchParams.get("state"), "xyz")
      // A pending request is answered once.
      const again = yield* get(`/oauth/consent?authorize_key=${key}`)
      assert.strictEqual(again.status, 404)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("deny sends access_denied with the state", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "web" })
      const url = yield* authorizeUrl({ client_id: app.client_id, redirect_uri, state: "s" }, "7400001")
      const back = new URL(yield* emulator.authorize(url, "deny"))
      assert.strictEqual(back.searchParams.get("error"), "access_denied")
      assert.strictEqual(back.searchParams.get("state"), "s")
      assert.isNull(back.searchParams.get("code"))
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("never redirects to an unregistered URI; loopback redirects may use any port", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({
        type: "web",
        redirect_uris: ["http://127.0.0.1/cb", "https://app.example/cb"]
      })
      const status = (params: Record<string, string>) =>
        Effect.map(get(authorizePath({ client_id: app.client_id, ...params })), (answer) => answer.status)
      assert.strictEqual(yield* status({ redirect_uri: "http://127.0.0.1:53682/cb" }), 302)
      assert.strictEqual(yield* status({ redirect_uri: "https://app.example/cb" }), 302)
      assert.strictEqual(yield* status({ redirect_uri: "https://app.example:8443/cb" }), 400)
      assert.strictEqual(yield* status({ redirect_uri: "http://127.0.0.1:53682/other" }), 400)
      assert.strictEqual(yield* status({ redirect_uri: "http://localhost:53682/cb" }), 400)
      assert.strictEqual(yield* status({ redirect_uri: "https://evil.example/cb" }), 400)
      assert.strictEqual(yield* status({ redirect_uri: "http://127.0.0.1/cb", response_type: "token" }), 400)
      const unknown = yield* get(authorizePath({ client_id: "0.app.coze", redirect_uri }))
      assert.strictEqual(unknown.status, 401)
      assert.include(unknown.text, "unknown client_id")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("registers only absolute http(s) redirect URIs, so no authorize or consent answer is a 500", () =>
    Effect.gen(function* () {
      for (const uri of ["not a url", "/callback", "ftp://127.0.0.1/cb", "javascript:alert(1)"]) {
        const answer = yield* postJson("/__emulator/apps", { type: "web", redirect_uris: [uri] })
        assertOAuthError(answer, 400, "invalid_request", "redirect_uris")
      }
      const emulator = yield* EmulatorClient
      const registered = "https://app.example/cb?tenant=1"
      const app = yield* emulator.createApp({ type: "web", redirect_uris: [registered] })
      for (const odd of ["not a url", "http://[", ""]) {
        const page = yield* get(authorizePath({ client_id: app.client_id, redirect_uri: odd }))
        assert.strictEqual(page.status, 400, page.text)
      }
      const url = yield* authorizeUrl({ client_id: app.client_id, redirect_uri: registered, state: "s" })
      const back = new URL(yield* emulator.authorize(url, "approve"))
      assert.strictEqual(back.searchParams.get("tenant"), "1")
      assert.match(back.searchParams.get("code")!, /^code_/)
    }).pipe(Effect.provide(TestEmulator()))
  )
})

describe("authorization_code grant", () => {
  it.scoped("web apps need their secret; codes are single use and bound to redirect_uri", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "web" })
      const code = yield* approvedCode({ client_id: app.client_id, redirect_uri })
      const body = { client_id: app.client_id, code }
      assertOAuthError(yield* exchange(body), 401, "invalid_client", "missing client secret")
      assertOAuthError(
        yield* exchange(body, { Authorization: "Bearer nope" }),
        401,
        "invalid_client",
        "wrong client secret"
      )
      const secret = { Authorization: `Bearer ${app.client_secret}` }
      assertOAuthError(yield* exchange({ ...body, redirect_uri: "http://127.0.0.1/x" }, secret), 400, "invalid_grant")
      const tokens = yield* exchange(body, secret)
      assert.strictEqual(tokens.status, 200, tokens.text)
      assert.match(String(tokens.json.access_token), /^czu_/)
      assert.match(String(tokens.json.refresh_token), /^czr_/)
      assert.strictEqual(tokens.json.expires_in, 900) // absolute: the TestClock starts at 0
      assertOAuthError(yield* exchange(body, secret), 400, "invalid_grant", "already used")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("PKCE S256 accepts the RFC 7636 vector; a missing header, `Bearer` and `Bearer ` mean no credential", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "pkce" })
      for (const headers of [{}, { Authorization: "Bearer" }, { Authorization: "Bearer " }]) {
        const code = yield* approvedCode({
          client_id: app.client_id,
          redirect_uri,
          code_challenge: rfcChallenge,
          code_challenge_method: "S256"
        })
        const body = { client_id: app.client_id, code }
        assertOAuthError(
          yield* exchange(body, headers),
          400,
          "invalid_request",
          "invalid request: missing code_verifier"
        )
        assertOAuthError(
          yield* exchange({ ...body, code_verifier: rfcChallenge }, headers),
          400,
          "invalid_grant",
          "code_verifier"
        )
        const tokens = yield* exchange({ ...body, code_verifier: rfcVerifier }, headers)
        assert.strictEqual(tokens.status, 200, tokens.text)
      }
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("PKCE plain is the default method; codes expire; disabled apps get access_deny", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "pkce", name: "Plain app" })
      const code = () => approvedCode({ client_id: app.client_id, redirect_uri, code_challenge: "short16hexchars0" })
      const ok = yield* exchange({ client_id: app.client_id, code: yield* code(), code_verifier: "short16hexchars0" })
      assert.strictEqual(ok.status, 200, ok.text)

      const late = yield* code()
      yield* emulator.advanceClock(601)
      assertOAuthError(
        yield* exchange({ client_id: app.client_id, code: late, code_verifier: "short16hexchars0" }),
        400,
        "invalid_grant",
        "expired"
      )

      const pending = yield* code()
      yield* emulator.disableApp(app.client_id)
      assertOAuthError(
        yield* exchange({ client_id: app.client_id, code: pending, code_verifier: "short16hexchars0" }),
        400,
        "access_deny",
        "app: Plain app is currently deactivated by the owner"
      )
    }).pipe(Effect.provide(TestEmulator()))
  )
})

describe("refresh_token grant", () => {
  it.scoped("rotates: the new token works, the used one is dead", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "pkce" })
      const first = yield* userTokens(app.client_id)
      const refresh = (refresh_token: unknown, headers: Record<string, string> = { Authorization: "Bearer " }) =>
        postToken({ grant_type: "refresh_token", client_id: app.client_id, refresh_token }, headers)
      const second = yield* refresh(first.refresh_token)
      assert.strictEqual(second.status, 200, second.text)
      assert.notStrictEqual(second.json.refresh_token, first.refresh_token)
      assertOAuthError(yield* refresh(first.refresh_token), 400, "invalid_grant", "already used")
      assert.strictEqual((yield* refresh(second.json.refresh_token, {})).status, 200)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("web apps refresh with their secret; refresh tokens expire", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "web" })
      const secret = { Authorization: `Bearer ${app.client_secret}` }
      const code = yield* approvedCode({ client_id: app.client_id, redirect_uri })
      const tokens = yield* exchange({ client_id: app.client_id, code }, secret)
      const body = { grant_type: "refresh_token", client_id: app.client_id, refresh_token: tokens.json.refresh_token }
      assertOAuthError(yield* postToken(body), 401, "invalid_client")
      const rotated = yield* postToken(body, secret)
      assert.strictEqual(rotated.status, 200, rotated.text)
      yield* emulator.advanceClock(2592000)
      assertOAuthError(
        yield* postToken({ ...body, refresh_token: rotated.json.refresh_token }, secret),
        400,
        "invalid_grant"
      )
    }).pipe(Effect.provide(TestEmulator({ refreshTokenTtl: 2592000 })))
  )
})
