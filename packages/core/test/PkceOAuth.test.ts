import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import * as Pkce from "../src/Pkce.js"
import * as PkceOAuth from "../src/PkceOAuth.js"
import { emulatorRegion, TestEmulator } from "./utils/index.js"

const redirectUri = "http://127.0.0.1:3000/callback"

const setup = Effect.gen(function* () {
  const emulator = yield* EmulatorClient
  const app = yield* emulator.createApp({ type: "pkce", redirect_uris: [redirectUri] })
  const pkce = yield* PkceOAuth.make({ clientId: app.client_id, redirectUri, region: yield* emulatorRegion })
  return { emulator, pkce }
})

const login = (method: Pkce.Method) =>
  Effect.gen(function* () {
    const { emulator, pkce } = yield* setup
    const { codeVerifier, url } = yield* pkce.authorizationUrl({ method })
    const params = new URL(url).searchParams
    assert.strictEqual(params.get("code_challenge_method"), method)
    assert.strictEqual(params.get("code_challenge"), yield* Pkce.challenge(codeVerifier, method))
    const code = new URL(yield* emulator.authorize(url, "approve")).searchParams.get("code")!
    return { code, codeVerifier, pkce }
  })

describe("PkceOAuth", () => {
  for (const method of ["S256", "plain"] as const) {
    it.scoped(`logs in with ${method} and refreshes with rotation`, () =>
      Effect.gen(function* () {
        const { code, codeVerifier, pkce } = yield* login(method)
        const token = yield* pkce.exchange({ code, codeVerifier })
        assert.strictEqual(token.flow, "pkce")
        const refreshed = yield* pkce.refresh(Option.getOrThrow(token.refreshToken))
        assert.isTrue(refreshed.refreshable)
        assert.strictEqual(
          (yield* Effect.flip(pkce.refresh(Option.getOrThrow(token.refreshToken))))._tag,
          "InvalidGrant"
        )
      }).pipe(Effect.provide(TestEmulator()))
    )
  }

  it.scoped("a wrong verifier is an InvalidGrant", () =>
    Effect.gen(function* () {
      const { code, pkce } = yield* login("S256")
      const error = yield* Effect.flip(pkce.exchange({ code, codeVerifier: Redacted.make("x".repeat(43)) }))
      assert.strictEqual(error._tag, "InvalidGrant")
    }).pipe(Effect.provide(TestEmulator()))
  )
})
