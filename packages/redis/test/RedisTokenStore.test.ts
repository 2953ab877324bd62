import type { TokenStoreError } from "@coze-auth/core/CozeError"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Fiber, Layer, Logger, Option, Redacted, Schedule } from "effect"
import * as RedisTokenStore from "../src/RedisTokenStore.js"
import { accessOf, ownRedis, rawClient, redisUrl, skipReason, storeOn, testKey, tokenOf } from "./utils/redis.js"

const reason = (error: TokenStoreError) => RedisTokenStore.reasonOf(error)?._tag

/** Every string value the store keeps in Redis, to look for secrets. */
const everything = (url: string) =>
  Effect.gen(function* () {
    const client = yield* rawClient(url)
    const keys = yield* Effect.promise(() => client.keys("*"))
    const values = yield* Effect.forEach(keys, (key) =>
      Effect.promise(() => (key.endsWith(":token") ? client.hvals(key) : client.get(key).then((v) => [v ?? ""])))
    )
    return { keys, text: values.flat().join("\n") }
  })

describe.skipIf(skipReason !== "")(`RedisTokenStore ${skipReason}`, () => {
  it.scopedLive("keeps a sealed credential per profile; nothing readable in Redis, no password in status", () =>
    Effect.gen(function* () {
      const server = yield* ownRedis()
      const url = server.url.replace("redis://", "redis://default:hunter2-password@")
      const store = yield* storeOn(server.url)
      yield* store.set("default", tokenOf("at-secret-1", "rt-secret-1"))
      assert.strictEqual(accessOf(yield* store.get("default")), "at-secret-1")
      assert.isTrue(Option.isNone(yield* store.get("other")))

      const stored = yield* everything(server.url)
      assert.isNotEmpty(stored.keys)
      assert.notInclude(stored.text, "secret")
      assert.include(stored.text, "cas1.")

      assert.isTrue(yield* store.remove("default"))
      assert.isFalse(yield* store.remove("default"))
      assert.isTrue(Option.isNone(yield* store.get("default")))

      const described = RedisTokenStore.describe({ url: Redacted.make(url), key: testKey })
      assert.deepStrictEqual(described, { kind: "redis", location: `${server.url}`, encrypted: true })
      assert.strictEqual((yield* storeOn(url)).location("default"), server.url)
    })
  )

  it.scopedLive("the lease excludes other stores (other machines) until its holder is done", () =>
    Effect.gen(function* () {
      const prefix = `test-${globalThis.crypto.randomUUID()}:`
      const [a, b] = [yield* storeOn(redisUrl, { prefix }), yield* storeOn(redisUrl, { prefix })]
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const order: Array<string> = []
      const holder = yield* Effect.fork(
        a.withLock(
          "default",
          Effect.gen(function* () {
            yield* Deferred.succeed(holding, undefined)
            yield* Deferred.await(release)
            order.push("a done")
          })
        )
      )
      yield* Deferred.await(holding)
      const waiter = yield* Effect.fork(
        b.withLock(
          "default",
          Effect.sync(() => order.push("b ran"))
        )
      )
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(order, [], "b waits while a holds the lease")
      yield* b.withLock("another-profile", Effect.void) // other profiles are not blocked
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(order, ["a done", "b ran"])
    })
  )

  it.scopedLive("a waiter whose whileWaiting accepts the holder's write is done without the lease", () =>
    Effect.gen(function* () {
      const prefix = `test-${globalThis.crypto.randomUUID()}:`
      const [a, b] = [yield* storeOn(redisUrl, { prefix }), yield* storeOn(redisUrl, { prefix })]
      yield* a.set("default", tokenOf("at-old", "rt-old"))
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(
        a.withLock("default", Effect.zipRight(Deferred.succeed(holding, undefined), Deferred.await(release)))
      )
      yield* Deferred.await(holding)
      const ranLocked: Array<string> = []
      const waiter = yield* Effect.fork(
        b.withLock(
          "default",
          Effect.as(
            Effect.sync(() => ranLocked.push("b")),
            Option.none()
          ),
          {
            whileWaiting: Effect.map(b.get("default"), (token) =>
              accessOf(token) === "at-new" ? Option.some(token) : Option.none()
            )
          }
        )
      )
      // The holder writes (another machine's renewal) and keeps its lease; again until the waiter has seen it
      // (it notices a write that comes after it began to wait).
      const writer = yield* Effect.fork(
        a.set("default", tokenOf("at-new", "rt-new")).pipe(Effect.repeat(Schedule.spaced("50 millis")))
      )
      const found = yield* Fiber.join(waiter)
      yield* Fiber.interrupt(writer)
      assert.strictEqual(accessOf(found), "at-new")
      assert.deepStrictEqual(ranLocked, [], "the waiter never took the lease")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
    })
  )

  it.scopedLive("a lease is renewed while held, so a slow holder keeps it past its length", () =>
    Effect.gen(function* () {
      const prefix = `test-${globalThis.crypto.randomUUID()}:`
      const options = { prefix, lease: "600 millis", leaseWait: "600 millis" } as const
      const [a, b] = [yield* storeOn(redisUrl, options), yield* storeOn(redisUrl, options)]
      const holding = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(
        a.withLock("default", Effect.zipRight(Deferred.succeed(holding, undefined), Effect.sleep("2 seconds")))
      )
      yield* Deferred.await(holding)
      const error = yield* Effect.flip(b.withLock("default", Effect.void))
      assert.strictEqual(reason(error), "LeaseBusy")
      assert.include(error.message, 'lease of profile "default"')
      assert.include(error.message, "another process holds it")
      yield* Fiber.join(holder)
      yield* b.withLock("default", Effect.void)
      // Called from an uninterruptible region (as Credentials' renewal is), it still ends: the renewal stops.
      yield* Effect.uninterruptible(a.withLock("default", Effect.sleep("100 millis")))
    })
  )

  it.scopedLive("a lease whose holder died expires and the next machine takes over", () =>
    Effect.gen(function* () {
      const prefix = `test-${globalThis.crypto.randomUUID()}:`
      const client = yield* rawClient(redisUrl)
      // What a SIGKILLed holder leaves: a lease nobody renews or releases.
      yield* Effect.promise(() => client.set(`${prefix}{default}:lease`, "dead-owner", "PX", 800))
      const store = yield* storeOn(redisUrl, { prefix, lease: "800 millis", leaseWait: "5 seconds" })
      yield* store.withLock("default", store.set("default", tokenOf("after-takeover")))
      assert.strictEqual(accessOf(yield* store.get("default")), "after-takeover")
      // Released by its owner only: the dead owner's value is gone, and so is ours.
      assert.isNull(yield* Effect.promise(() => client.get(`${prefix}{default}:lease`)))
    })
  )

  it.scopedLive("a holder whose lease lapsed cannot overwrite (or remove) the newer credential: the fence", () =>
    Effect.gen(function* () {
      const prefix = `test-${globalThis.crypto.randomUUID()}:`
      const [stalled, next] = [yield* storeOn(redisUrl, { prefix }), yield* storeOn(redisUrl, { prefix })]
      const client = yield* rawClient(redisUrl)
      yield* next.set("default", tokenOf("v1"))
      const read = yield* Deferred.make<void>()
      const resume = yield* Deferred.make<void>()
      const late = yield* Effect.fork(
        stalled.withLock(
          "default",
          Effect.gen(function* () {
            assert.strictEqual(accessOf(yield* stalled.get("default")), "v1")
            yield* Deferred.succeed(read, undefined)
            yield* Deferred.await(resume)
            const write = yield* Effect.flip(stalled.set("default", tokenOf("stale")))
            const removal = yield* Effect.flip(stalled.remove("default"))
            return [write, removal] as const
          })
        )
      )
      yield* Deferred.await(read)
      // The lease lapses (as if the holder froze), another machine takes it and writes.
      yield* Effect.promise(() => client.del(`${prefix}{default}:lease`))
      yield* next.withLock(
        "default",
        Effect.flatMap(next.get("default"), () => next.set("default", tokenOf("v2")))
      )
      yield* Deferred.succeed(resume, undefined)
      const [write, removal] = yield* Fiber.join(late)
      assert.strictEqual(reason(write), "StaleWrite")
      assert.include(write.message, "newer credential stays")
      assert.strictEqual(reason(removal), "StaleWrite")
      assert.strictEqual(accessOf(yield* next.get("default")), "v2")
    })
  )

  it.scopedLive("Redis unreachable: every operation, the lease too, fails at once with an error naming Redis", () =>
    Effect.gen(function* () {
      const server = yield* ownRedis()
      yield* Effect.promise(() => server.stop())
      // The default lease wait is a minute: an outage must not be mistaken for a busy lease.
      const store = yield* storeOn(server.url)
      for (const attempt of [
        store.get("default"),
        store.set("default", tokenOf("x")),
        store.withLock("p", Effect.void)
      ]) {
        const error = yield* Effect.flip(attempt)
        assert.strictEqual(error._tag, "TokenStoreError")
        assert.strictEqual(reason(error), "RedisUnavailable")
        assert.include(error.message, `Redis at ${server.url}`)
        assert.include(error.message, "unreachable")
      }
    })
  )

  it.scopedLive("Redis restarted: errors while it is down, everything back (and kept) once it is up", () =>
    Effect.gen(function* () {
      const server = yield* ownRedis({ persistent: true })
      const store = yield* storeOn(server.url)
      yield* store.set("default", tokenOf("before-crash"))
      yield* Effect.promise(() => server.kill())
      assert.strictEqual(reason(yield* Effect.flip(store.get("default"))), "RedisUnavailable")
      yield* Effect.promise(() => server.start())
      // The client reconnects by itself (at most a second apart).
      const back = yield* Effect.retry(store.get("default"), { schedule: Schedule.spaced("200 millis"), times: 50 })
      assert.strictEqual(accessOf(back), "before-crash")
    })
  )

  it.scopedLive("a Redis that lost its data says so plainly, once: log in again", () =>
    Effect.gen(function* () {
      const server = yield* ownRedis()
      const store = yield* storeOn(server.url)
      yield* store.set("default", tokenOf("lost"))
      const client = yield* rawClient(server.url)
      yield* Effect.promise(() => client.flushall())
      const error = yield* Effect.flip(store.get("default"))
      assert.strictEqual(reason(error), "RedisDataLost")
      assert.include(error.message, "Redis lost its data")
      assert.include(error.message, 'log in again for profile "default"')
      assert.isTrue(Option.isNone(yield* store.get("default")), "after saying so, the profile is simply logged out")
    })
  )

  it.scopedLive("a wrong key is a KeyMismatch that says the key does not match, never a crash", () =>
    Effect.gen(function* () {
      const prefix = `test-${globalThis.crypto.randomUUID()}:`
      yield* (yield* storeOn(redisUrl, { prefix })).set("default", tokenOf("sealed"))
      const other = yield* storeOn(redisUrl, { prefix, key: Redacted.make(Buffer.alloc(32, 9).toString("base64")) })
      const error = yield* Effect.flip(other.get("default"))
      assert.strictEqual(reason(error), "KeyMismatch")
      assert.include(error.message, "does not match")
      // During a rotation (new key first, old one after) it opens, and the next write reseals with the new key.
      const rotating = yield* storeOn(redisUrl, {
        prefix,
        key: Redacted.make(`${Buffer.alloc(32, 9).toString("base64")},${Redacted.value(testKey)}`)
      })
      assert.strictEqual(accessOf(yield* rotating.get("default")), "sealed")
      yield* rotating.set("default", tokenOf("resealed"))
      assert.strictEqual(accessOf(yield* other.get("default")), "resealed")
    })
  )

  it.scopedLive(
    "opting out (COZE_AUTH_STORE_KEY=unencrypted) stores JSON; the two modes refuse each other's records",
    () =>
      Effect.gen(function* () {
        const prefix = `test-${globalThis.crypto.randomUUID()}:`
        const plain = yield* storeOn(redisUrl, { prefix, key: RedisTokenStore.unencrypted })
        yield* plain.set("default", tokenOf("in-the-clear"))
        assert.strictEqual(accessOf(yield* plain.get("default")), "in-the-clear")
        assert.isFalse(RedisTokenStore.describe({ url: Redacted.make(redisUrl), key: "unencrypted" }).encrypted)
        assert.strictEqual(
          reason(yield* Effect.flip((yield* storeOn(redisUrl, { prefix })).get("default"))),
          "Unreadable"
        )
        yield* (yield* storeOn(redisUrl, { prefix })).set("sealed", tokenOf("x"))
        assert.strictEqual(reason(yield* Effect.flip(plain.get("sealed"))), "KeyMismatch")
      })
  )

  it.scopedLive("layerConfig refuses a Redis store without a key, saying how to make one", () =>
    Effect.gen(function* () {
      const build = (env: ReadonlyArray<readonly [string, string]>) =>
        Layer.build(RedisTokenStore.layerConfig()).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(env))),
          Effect.flip
        )
      const missing = yield* build([["COZE_AUTH_STORE", redisUrl]])
      assert.strictEqual(missing._tag, "ConfigError")
      const message = missing.message
      assert.include(message, "COZE_AUTH_STORE_KEY")
      assert.include(message, "openssl rand -base64 32")
      assert.include(message, "unencrypted")

      const bad = yield* build([
        ["COZE_AUTH_STORE", redisUrl],
        ["COZE_AUTH_STORE_KEY", "dG9vIHNob3J0"]
      ])
      assert.include(bad.message, "32")

      const context = yield* Layer.build(RedisTokenStore.layerConfig()).pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["COZE_AUTH_STORE", redisUrl],
              ["COZE_AUTH_STORE_KEY", "unencrypted"]
            ])
          )
        )
      )
      const store = yield* Effect.provide(TokenStore.TokenStore, Layer.succeedContext(context))
      yield* store.set(`layer-${globalThis.crypto.randomUUID()}`, tokenOf("configured"))
    }).pipe(Effect.provide(Logger.remove(Logger.defaultLogger)))
  )
})
