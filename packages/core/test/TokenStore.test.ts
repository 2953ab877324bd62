import { assert, describe, it } from "@effect/vitest"
import { DateTime, Deferred, Effect, Fiber, Option, Redacted } from "effect"
import { Token } from "../src/Token.js"
import * as TokenStore from "../src/TokenStore.js"

const token = Token.make({
  accessToken: Redacted.make("at"),
  refreshToken: Option.none(),
  expiresAt: Option.none(),
  obtainedAt: DateTime.unsafeMake(0),
  flow: "token",
  logId: Option.none()
})

describe("TokenStore.makeMemory", () => {
  it.effect("keeps one token per profile", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.makeMemory
      yield* store.set("a", token)
      assert.deepStrictEqual(yield* store.get("a"), Option.some(token))
      assert.isTrue(Option.isNone(yield* store.get("b")))
      assert.isTrue(yield* store.remove("a"))
      assert.isFalse(yield* store.remove("a"))
      assert.strictEqual(store.location("a"), "memory")
    })
  )

  it.effect("withLock excludes other fibers on the same profile only", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.makeMemory
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(store.withLock("a", Deferred.await(release)))
      yield* Effect.yieldNow()
      const same = yield* Effect.fork(store.withLock("a", Effect.void))
      yield* store.withLock("b", Effect.void) // another profile is not blocked
      yield* Effect.yieldNow()
      assert.isNull(same.unsafePoll())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(same)
    })
  )
})
