import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as TokenSeal from "../src/TokenSeal.js"

const secret = Redacted.make('{"accessToken":"czu_secret","refreshToken":"rt_secret"}')

const ringOf = (...keys: ReadonlyArray<Redacted.Redacted<string>>) =>
  TokenSeal.keyring(Redacted.make(keys.map(Redacted.value).join(",")), "COZE_AUTH_STORE_KEY")

describe("TokenSeal", () => {
  it.effect("seals so that only the same key and context open it, and the record shows no secret", () =>
    Effect.gen(function* () {
      const ring = yield* ringOf(yield* TokenSeal.generateKey)
      const sealed = yield* TokenSeal.seal(ring, secret, "profile default")
      assert.isTrue(TokenSeal.isSealed(sealed))
      assert.notInclude(sealed, "secret")
      assert.strictEqual(TokenSeal.sealedWith(sealed), ring.keys[0].id)
      const opened = yield* TokenSeal.unseal(ring, sealed, "profile default", "the record")
      assert.strictEqual(Redacted.value(opened), Redacted.value(secret))
      // A fresh IV every time: sealing twice never gives the same text.
      assert.notStrictEqual(yield* TokenSeal.seal(ring, secret, "profile default"), sealed)

      const moved = yield* Effect.flip(TokenSeal.unseal(ring, sealed, "profile other", "the record"))
      assert.strictEqual(moved._tag, "Unreadable")
      const body = sealed.split(".")
      const flipped = `${body.slice(0, 3).join(".")}.${body[3]?.startsWith("A") ? "B" : "A"}${body[3]?.slice(1)}`
      assert.strictEqual(
        (yield* Effect.flip(TokenSeal.unseal(ring, flipped, "profile default", "x")))._tag,
        "Unreadable"
      )
      assert.strictEqual((yield* Effect.flip(TokenSeal.unseal(ring, "{}", "profile default", "x")))._tag, "Unreadable")
    })
  )

  it.effect("a record sealed with another key is a KeyMismatch that names both keys", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* TokenSeal.generateKey, yield* TokenSeal.generateKey]
      const sealed = yield* TokenSeal.seal(yield* ringOf(a), secret, "ctx")
      const ringB = yield* ringOf(b)
      const error = yield* Effect.flip(TokenSeal.unseal(ringB, sealed, "ctx", 'the credential of profile "default"'))
      assert.strictEqual(error._tag, "KeyMismatch")
      assert.include(error.message, "does not match")
      assert.include(error.message, ringB.keys[0].id)
      assert.notInclude(error.message, Redacted.value(a))
      assert.notInclude(error.message, Redacted.value(b))
    })
  )

  it.effect("during a rotation the first key seals and every listed key opens", () =>
    Effect.gen(function* () {
      const [old, next] = [yield* TokenSeal.generateKey, yield* TokenSeal.generateKey]
      const sealedOld = yield* TokenSeal.seal(yield* ringOf(old), secret, "ctx")
      const rotating = yield* ringOf(next, old)
      assert.strictEqual(
        Redacted.value(yield* TokenSeal.unseal(rotating, sealedOld, "ctx", "x")),
        Redacted.value(secret)
      )
      const resealed = yield* TokenSeal.seal(rotating, secret, "ctx")
      assert.strictEqual(TokenSeal.sealedWith(resealed), rotating.keys[0].id)
      assert.strictEqual(
        Redacted.value(yield* TokenSeal.unseal(yield* ringOf(next), resealed, "ctx", "x")),
        Redacted.value(secret)
      )
    })
  )

  it.effect("a key that is not 32 bytes of base64 is refused with how to make one, never quoted", () =>
    Effect.gen(function* () {
      for (const text of ["c2hvcnQ=", "not base64 at all!", "", `${"A".repeat(43)}=,`]) {
        const error = yield* Effect.flip(TokenSeal.keyring(Redacted.make(text), "COZE_AUTH_STORE_KEY"))
        assert.strictEqual(error._tag, "InvalidKey")
        assert.include(error.message, "COZE_AUTH_STORE_KEY")
        assert.include(error.message, "openssl rand -base64 32")
        if (text.length > 0) assert.notInclude(error.message, text)
      }
    })
  )
})
