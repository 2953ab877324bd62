import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck, Redacted } from "effect"
import * as Pkce from "../src/Pkce.js"

const unreserved = /^[A-Za-z0-9\-._~]+$/

describe("Pkce", () => {
  it.effect("matches the RFC 7636 appendix B vector", () =>
    Effect.gen(function* () {
      const verifier = Redacted.make("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
      assert.strictEqual(yield* Pkce.challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
      assert.strictEqual(
        yield* Pkce.challenge(Redacted.make("code_verifier")),
        "73oehA2tBul5grZPhXUGQwNAjxh69zNES8bu2bVD0EM"
      )
    })
  )

  it.effect.prop(
    "S256 is base64url(sha256(verifier)) and plain is the verifier itself",
    [FastCheck.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/)],
    ([verifier]) =>
      Effect.gen(function* () {
        const expected = createHash("sha256").update(verifier).digest("base64url")
        assert.strictEqual(yield* Pkce.challenge(Redacted.make(verifier), "S256"), expected)
        assert.strictEqual(yield* Pkce.challenge(Redacted.make(verifier), "plain"), verifier)
      })
  )

  it.effect.prop(
    "verifiers have the asked length, from the unreserved alphabet",
    [FastCheck.integer({ min: 43, max: 128 })],
    ([length]) =>
      Effect.gen(function* () {
        const verifier = Redacted.value(yield* Pkce.verifier(length))
        assert.strictEqual(verifier.length, length)
        assert.match(verifier, unreserved)
      })
  )

  it.effect("defaults to 43 characters (32 bytes), never repeats, and refuses lengths outside 43–128", () =>
    Effect.gen(function* () {
      const a = Redacted.value(yield* Pkce.verifier())
      assert.strictEqual(a.length, 43)
      assert.notStrictEqual(a, Redacted.value(yield* Pkce.verifier()))
      assert.strictEqual((yield* Pkce.state).length, 43)
      for (const bad of [42, 129, 50.5]) {
        const exit = yield* Effect.exit(Pkce.verifier(bad))
        assert.isTrue(exit._tag === "Failure")
      }
    })
  )
})
