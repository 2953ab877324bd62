import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { EmulatorClient } from "../src/EmulatorClient.js"
import {
  assertOAuthError,
  GrantTypes,
  get,
  jwtApp,
  postJson,
  postToken,
  rsaKeyPair,
  signJwt,
  TestEmulator
} from "./utils/index.js"

const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` })

describe("jwt-bearer grant", () => {
  it.scoped("issues a czs_ token with no refresh token; duration_seconds defaults to 900", () =>
    Effect.gen(function* () {
      const app = yield* jwtApp()
      const answer = yield* postToken(
        { grant_type: GrantTypes.jwtBearer },
        bearer(yield* signJwt({ ...app, iss: app.client_id }))
      )
      assert.strictEqual(answer.status, 200, answer.text)
      assert.match(String(answer.json.access_token), /^czs_/)
      assert.strictEqual(answer.json.expires_in, 900)
      assert.isUndefined(answer.json.refresh_token)
      const long = yield* postToken(
        { grant_type: GrantTypes.jwtBearer, duration_seconds: 86399 },
        bearer(yield* signJwt({ ...app, iss: app.client_id }))
      )
      assert.strictEqual(long.json.expires_in, 86399)
      const me = yield* get("/v1/users/me", bearer(String(answer.json.access_token)))
      assert.strictEqual(me.status, 200, me.text)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("ignores the extra body fields SDKs send", () =>
    Effect.gen(function* () {
      const app = yield* jwtApp()
      const jwt = yield* signJwt({ ...app, iss: app.client_id })
      const body = {
        grant_type: GrantTypes.jwtBearer,
        client_id: app.client_id,
        account_id: 7400001,
        enterprise_id: "e1",
        scope: null
      }
      const answer = yield* postToken(body, bearer(jwt))
      assert.strictEqual(answer.status, 200, answer.text)
      assert.isUndefined(answer.json.scope)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("accepts aud with or without the port, on the account and enterprise paths too", () =>
    Effect.gen(function* () {
      const app = yield* jwtApp()
      const { url } = yield* Emulator.Emulator
      const host = new URL(url)
      for (const [path, aud] of [
        ["/api/permission/oauth2/token", host.hostname],
        ["/api/permission/oauth2/account/7400001/token", host.host],
        ["/api/permission/oauth2/enterprise_id/volcano_210195/token", host.hostname]
      ] as const) {
        const answer = yield* postJson(
          path,
          { grant_type: GrantTypes.jwtBearer, account_id: 7400001 },
          bearer(yield* signJwt({ ...app, iss: app.client_id, aud }))
        )
        assert.strictEqual(answer.status, 200, `${path}: ${answer.text}`)
      }
      const refresh = yield* postJson("/api/permission/oauth2/account/1/token", {
        grant_type: "refresh_token",
        refresh_token: "x"
      })
      assertOAuthError(refresh, 400, "unsupported_grant_type")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("rejects bad assertions, each with a message naming the problem", () =>
    Effect.gen(function* () {
      const app = yield* jwtApp()
      const good = { ...app, iss: app.client_id }
      const grant = (jwt: string, body: Record<string, unknown> = {}) =>
        postToken({ grant_type: GrantTypes.jwtBearer, ...body }, bearer(jwt))
      const stranger = rsaKeyPair()

      assertOAuthError(yield* postToken({ grant_type: GrantTypes.jwtBearer }), 401, "invalid_client", "missing JWT")
      assertOAuthError(yield* grant("not.a.jwt"), 401, "invalid_client", "invalid jwt: malformed")
      assertOAuthError(
        yield* grant(yield* signJwt({ ...good, privateKey: stranger.privateKey })),
        401,
        "invalid_client",
        "invalid signature"
      )
      assertOAuthError(
        yield* grant(yield* signJwt({ ...good, kid: "unknown" })),
        401,
        "invalid_client",
        "kid not been registred"
      )
      assertOAuthError(
        yield* grant(yield* signJwt({ ...good, aud: "api.coze.com" })),
        401,
        "invalid_client",
        "invalid aud"
      )
      assertOAuthError(yield* grant(yield* signJwt({ ...good, iss: "someone" })), 401, "invalid_client", "iss")
      assertOAuthError(yield* grant(yield* signJwt({ ...good, lifetime: -1 })), 401, "invalid_client", "expired")

      const once = yield* signJwt({ ...good, jti: "jti-1" })
      assert.strictEqual((yield* grant(once)).status, 200)
      assertOAuthError(yield* grant(once), 401, "invalid_client", "jti has already been used")

      const fresh = yield* signJwt(good)
      assertOAuthError(yield* grant(fresh, { duration_seconds: 86400 }), 400, "invalid_request", "duration_seconds")
      assertOAuthError(yield* grant(fresh, { duration_seconds: "60" }), 400, "invalid_request", "duration_seconds")
      assertOAuthError(yield* grant(fresh, { scope: "all" }), 400, "invalid_request", "scope")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("an assertion expires with the emulator clock", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* jwtApp()
      const jwt = yield* signJwt({ ...app, iss: app.client_id, lifetime: 60 })
      yield* emulator.advanceClock(61)
      assertOAuthError(
        yield* postToken({ grant_type: GrantTypes.jwtBearer }, bearer(jwt)),
        401,
        "invalid_client",
        "expired"
      )
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("only channel apps keep the scope; disabled apps get access_deny", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const scope = { account_permission: { permission_list: ["Connector.botChat"] }, attribute_constraint: null }
      const channel = yield* jwtApp({ channel: true })
      const answer = yield* postToken(
        { grant_type: GrantTypes.jwtBearer, scope },
        bearer(yield* signJwt({ ...channel, iss: channel.client_id }))
      )
      assert.deepStrictEqual(answer.json.scope, scope)
      yield* emulator.disableApp(channel.client_id)
      const disabled = yield* postToken(
        { grant_type: GrantTypes.jwtBearer },
        bearer(yield* signJwt({ ...channel, iss: channel.client_id }))
      )
      assertOAuthError(disabled, 400, "access_deny", "deactivated")
    }).pipe(Effect.provide(TestEmulator()))
  )
})
