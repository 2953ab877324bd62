import { assert, describe, it } from "@effect/vitest"
import {
  Array as Arr,
  Cause,
  Clock,
  Data,
  DateTime,
  Duration,
  Effect,
  Exit,
  Fiber,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Ref,
  TestClock
} from "effect"
import { type CozeError, InvalidGrant, ServerError, TokenStoreError } from "../src/CozeError.js"
import * as Credentials from "../src/Credentials.js"
import { Token } from "../src/Token.js"
import * as TokenStore from "../src/TokenStore.js"

const profile = "default"

/** A token numbered `n`, obtained now and living `ttl` seconds; secrets carry a recognisable marker. */
const issue = (n: number, ttl: number) =>
  Effect.map(Clock.currentTimeMillis, (now) =>
    Token.make({
      accessToken: Redacted.make(`SECRET-at-${n}`),
      refreshToken: Option.some(Redacted.make(`SECRET-rt-${n}`)),
      expiresAt: Option.some(DateTime.unsafeMake(now + ttl * 1000)),
      obtainedAt: DateTime.unsafeMake(now),
      flow: "device",
      logId: Option.none()
    })
  )

/** A server that rotates refresh tokens like Coze: a used or unknown one fails with `InvalidGrant`. */
const makeServer = (ttl = 900) =>
  Effect.gen(function* () {
    const issued = yield* Ref.make(0)
    const requests = yield* Ref.make(0)
    const refresh = (refreshToken: Redacted.Redacted): Effect.Effect<Token, CozeError> =>
      Effect.gen(function* () {
        yield* Ref.update(requests, (n) => n + 1)
        yield* Effect.yieldNow()
        const current = yield* Ref.get(issued)
        if (Redacted.value(refreshToken) !== `SECRET-rt-${current}`) {
          return yield* new InvalidGrant({ description: "refresh token is invalid" })
        }
        const next = yield* Ref.updateAndGet(issued, (n) => n + 1)
        return yield* issue(next, ttl)
      })
    return { refresh, requests: Ref.get(requests), login: Effect.flatMap(Ref.get(issued), (n) => issue(n, ttl)) }
  })

const setup = (ttl = 900) =>
  Effect.gen(function* () {
    const server = yield* makeServer(ttl)
    const store = yield* TokenStore.makeMemory
    yield* store.set(profile, yield* server.login)
    const source = Credentials.Source.Refreshable({ flow: "device", refresh: server.refresh })
    const credentials = yield* Credentials.make({ profile, source }).pipe(
      Effect.provideService(TokenStore.TokenStore, store)
    )
    return { server, store, credentials, source }
  })

const accessOf = (token: Token) => Redacted.value(token.accessToken)

describe("Credentials.refreshMargin", () => {
  it("is 10% of the lifetime within [5 s, 5 min], and 0 under 30 s", () => {
    const margin = (seconds: number) => Duration.toSeconds(Credentials.refreshMargin(Duration.seconds(seconds)))
    assert.deepStrictEqual([2, 29, 30, 60, 600, 900, 3600, 86400].map(margin), [0, 0, 5, 6, 60, 90, 300, 300])
  })
})

describe("Credentials", () => {
  it.effect("hands out the stored token while fresh and refreshes within the margin", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-0")
      yield* TestClock.adjust("809 seconds")
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-0")
      assert.strictEqual(yield* server.requests, 0)
      yield* TestClock.adjust("2 seconds") // 89 s left: inside the 90 s margin
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
    })
  )

  it.effect("minValidSeconds asks for more life than the margin", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      assert.strictEqual(accessOf(yield* credentials.token({ minValidSeconds: 600 })), "SECRET-at-0")
      yield* TestClock.adjust("301 seconds")
      assert.strictEqual(accessOf(yield* credentials.token({ minValidSeconds: 600 })), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
    })
  )

  it.effect("minValidSeconds above a token's lifetime renews once, not on every call", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      const longer = { minValidSeconds: 1000 } // no 900 s token can give it
      assert.strictEqual(accessOf(yield* credentials.token(longer)), "SECRET-at-0") // just obtained
      yield* TestClock.adjust("100 seconds")
      assert.strictEqual(accessOf(yield* credentials.token(longer)), "SECRET-at-1")
      assert.strictEqual(accessOf(yield* credentials.token(longer)), "SECRET-at-1")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(accessOf(yield* credentials.token(longer)), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
    })
  )

  it.effect("unsafeFreshToken reads what token would hand out without renewing, on the clock that made it", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      const fresh = (options?: { readonly minValidSeconds?: number }) =>
        Option.map(credentials.unsafeFreshToken(options), accessOf)
      assert.deepStrictEqual(fresh(), Option.none()) // nothing in memory before the first call
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-0")
      assert.deepStrictEqual(fresh(), Option.some("SECRET-at-0"))
      yield* TestClock.adjust("809 seconds")
      assert.deepStrictEqual(fresh(), Option.some("SECRET-at-0"))
      assert.deepStrictEqual(fresh({ minValidSeconds: 600 }), Option.none())
      yield* TestClock.adjust("2 seconds") // inside the margin: token would renew
      assert.deepStrictEqual(fresh(), Option.none())
      assert.strictEqual(yield* server.requests, 0) // a look never renews
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-1")
      assert.deepStrictEqual(fresh(), Option.some("SECRET-at-1"))
      yield* credentials.logout
      assert.deepStrictEqual(fresh(), Option.none())
    })
  )

  it.effect("1,000 fibers on an expired token: one refresh, one result", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      yield* TestClock.adjust("1000 seconds")
      const tokens = yield* Effect.all(
        Arr.makeBy(1000, () => credentials.token()),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(yield* server.requests, 1)
      assert.isTrue(tokens.every((token) => accessOf(token) === "SECRET-at-1"))
    })
  )

  it.effect("a failed refresh fails every waiter with the same error; the next call tries again", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.makeMemory
      const attempts = yield* Ref.make(0)
      const failing = new ServerError({ description: "internal_error", status: 500 })
      const refresh = () =>
        Effect.flatMap(
          Ref.updateAndGet(attempts, (n) => n + 1),
          (n) => (n === 1 ? Effect.fail(failing) : issue(n, 900))
        )
      yield* store.set(profile, yield* issue(0, 900))
      const credentials = yield* Credentials.make({
        profile,
        source: Credentials.Source.Refreshable({ flow: "device", refresh })
      }).pipe(Effect.provideService(TokenStore.TokenStore, store))
      yield* TestClock.adjust("1000 seconds")
      const exits = yield* Effect.all(
        Arr.makeBy(100, () => Effect.exit(credentials.token())),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(yield* Ref.get(attempts), 1)
      assert.isTrue(
        exits.every((exit) => Exit.isFailure(exit) && Cause.originalError(Cause.squash(exit.cause)) === failing)
      )
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-2")
      assert.strictEqual(yield* Ref.get(attempts), 2)
    })
  )

  it.effect("the rotated refresh token is stored before anyone gets the access token", () =>
    Effect.gen(function* () {
      const server = yield* makeServer(900)
      const memory = yield* TokenStore.makeMemory
      yield* memory.set(profile, yield* server.login)
      const broken: TokenStore.Service = {
        ...memory,
        set: () => Effect.fail(new TokenStoreError({ description: "disk full" }))
      }
      const credentials = yield* Credentials.make({
        profile,
        source: Credentials.Source.Refreshable({ flow: "device", refresh: server.refresh })
      }).pipe(Effect.provideService(TokenStore.TokenStore, broken))
      yield* TestClock.adjust("1000 seconds")
      const error = yield* Effect.flip(credentials.token())
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.strictEqual(yield* server.requests, 1)
    })
  )

  it.effect("a renewal the store could not keep is stored by the next call, not refreshed again", () =>
    Effect.gen(function* () {
      const server = yield* makeServer(900)
      const memory = yield* TokenStore.makeMemory
      yield* memory.set(profile, yield* server.login)
      const writes = yield* Ref.make(0)
      const flaky: TokenStore.Service = {
        ...memory,
        set: (name, token) =>
          Effect.flatMap(
            Ref.updateAndGet(writes, (n) => n + 1),
            (n) => (n === 1 ? Effect.fail(new TokenStoreError({ description: "disk full" })) : memory.set(name, token))
          )
      }
      const credentials = yield* Credentials.make({
        profile,
        source: Credentials.Source.Refreshable({ flow: "device", refresh: server.refresh })
      }).pipe(Effect.provideService(TokenStore.TokenStore, flaky))
      yield* TestClock.adjust("1000 seconds")
      // The server rotated, the write failed: nobody gets the new token, but it is not lost either.
      assert.strictEqual((yield* Effect.flip(credentials.token()))._tag, "TokenStoreError")
      assert.strictEqual(Option.map(yield* memory.get(profile), accessOf).pipe(Option.getOrNull), "SECRET-at-0")
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-1")
      assert.strictEqual(Option.map(yield* memory.get(profile), accessOf).pipe(Option.getOrNull), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
      // The session lives on: the next renewal spends the refresh token that was kept.
      yield* TestClock.adjust("1000 seconds")
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-2")
      assert.strictEqual(yield* server.requests, 2)
    })
  )

  it.effect("InvalidGrant clears the store and fails NotAuthenticated, once", () =>
    Effect.gen(function* () {
      const { server, store, credentials } = yield* setup(900)
      yield* store.set(profile, yield* issue(41, 900)) // a refresh token the server never issued
      yield* TestClock.adjust("1000 seconds")
      const error = yield* Effect.flip(credentials.token())
      assert.strictEqual(error._tag, "NotAuthenticated")
      assert.include(error.message, "log in again")
      assert.isTrue(Option.isNone(yield* store.get(profile)))
      const again = yield* Effect.flip(credentials.token())
      assert.strictEqual(again._tag, "NotAuthenticated")
      assert.strictEqual(yield* server.requests, 1)
    })
  )

  it.effect("no stored credential: NotAuthenticated without a request", () =>
    Effect.gen(function* () {
      const { server, store, credentials } = yield* setup(900)
      assert.isTrue(yield* credentials.logout)
      assert.isFalse(yield* credentials.logout)
      const error = yield* Effect.flip(credentials.token())
      assert.strictEqual(error._tag, "NotAuthenticated")
      assert.strictEqual(yield* server.requests, 0)
      assert.isFalse((yield* credentials.status).authenticated)
      assert.isTrue(Option.isNone(yield* store.get(profile)))
    })
  )

  it.effect("refresh forces a renewal even when the token is fresh", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      assert.strictEqual(accessOf(yield* credentials.refresh), "SECRET-at-1")
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
    })
  )

  it.effect("refreshRejected renews once for many rejections of the same token", () =>
    Effect.gen(function* () {
      const { server, credentials } = yield* setup(900)
      const rejected = yield* credentials.token()
      assert.strictEqual(accessOf(yield* credentials.refreshRejected(rejected)), "SECRET-at-1")
      // A second request that carried the same token comes back rejected after the renewal: nothing to renew.
      assert.strictEqual(accessOf(yield* credentials.refreshRejected(rejected)), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
      assert.strictEqual(accessOf(yield* credentials.refreshRejected(yield* credentials.token())), "SECRET-at-2")
      assert.strictEqual(yield* server.requests, 2)
    })
  )

  it.effect("two instances sharing a store (two processes) spend the refresh token once", () =>
    Effect.gen(function* () {
      const { server, store, credentials, source } = yield* setup(900)
      const other = yield* Credentials.make({ profile, source }).pipe(
        Effect.provideService(TokenStore.TokenStore, store)
      )
      assert.strictEqual(accessOf(yield* other.token()), "SECRET-at-0")
      yield* TestClock.adjust("1000 seconds")
      const [a, b] = yield* Effect.all([credentials.token(), other.token()], { concurrency: 2 })
      assert.strictEqual(accessOf(a), "SECRET-at-1")
      assert.strictEqual(accessOf(b), "SECRET-at-1")
      // A forced refresh in one renews; the other's forced refresh sees the change and does not spend it again.
      yield* credentials.refresh
      assert.strictEqual(accessOf(yield* other.refresh), "SECRET-at-2")
      assert.strictEqual(yield* server.requests, 2)
    })
  )

  it.effect("interrupting the caller that started a refresh does not abandon it", () =>
    Effect.gen(function* () {
      const { server, store, credentials } = yield* setup(900)
      yield* TestClock.adjust("1000 seconds")
      const fiber = yield* Effect.fork(credentials.token())
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-1")
      assert.strictEqual(yield* server.requests, 1)
      assert.strictEqual(Option.map(yield* store.get(profile), accessOf).pipe(Option.getOrNull), "SECRET-at-1")
    })
  )

  it.effect("Mint tokens are cached until their margin and minted once under concurrency", () =>
    Effect.gen(function* () {
      const mints = yield* Ref.make(0)
      const mint = Effect.flatMap(
        Ref.updateAndGet(mints, (n) => n + 1),
        (n) => issue(n, 900)
      )
      const credentials = yield* Credentials.make({ profile: "jwt", source: Credentials.Source.Mint({ mint }) }).pipe(
        Effect.provide(TokenStore.layerMemory)
      )
      yield* Effect.all(
        Arr.makeBy(50, () => credentials.token()),
        { concurrency: "unbounded" }
      )
      yield* TestClock.adjust("800 seconds")
      yield* credentials.token()
      assert.strictEqual(yield* Ref.get(mints), 1)
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual(accessOf(yield* credentials.token()), "SECRET-at-2")
      const status = yield* credentials.status
      assert.strictEqual(status.flow, "jwt")
      assert.isTrue(status.refreshable)
    })
  )

  it.effect("Static tokens are never refreshed", () =>
    Effect.gen(function* () {
      const pat = Token.make({
        accessToken: Redacted.make("SECRET-pat"),
        refreshToken: Option.none(),
        expiresAt: Option.none(),
        obtainedAt: yield* DateTime.now,
        flow: "token",
        logId: Option.none()
      })
      const credentials = yield* Credentials.make({ profile, source: Credentials.Source.Static({ token: pat }) }).pipe(
        Effect.provide(TokenStore.layerMemory)
      )
      yield* TestClock.adjust(Duration.days(400))
      assert.strictEqual(yield* credentials.token(), pat)
      assert.strictEqual(yield* credentials.refresh, pat)
      const status = yield* credentials.status
      assert.deepStrictEqual([status.authenticated, status.refreshable, status.location], [true, false, "static"])
    })
  )

  it.effect("no secret reaches the logs, the errors or the status", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.add(
        Logger.make(({ annotations, message }) => lines.push(JSON.stringify([message, [...annotations]])))
      )
      const seen = yield* Effect.gen(function* () {
        const { store, credentials } = yield* setup(900)
        yield* TestClock.adjust("1000 seconds")
        yield* credentials.token()
        const status = yield* credentials.status
        yield* store.set(profile, yield* issue(41, 900))
        yield* TestClock.adjust("1000 seconds")
        const error = yield* Effect.flip(credentials.token())
        return [JSON.stringify(status), String(status.expiresAt), error.message, JSON.stringify(error), String(error)]
      }).pipe(Logger.withMinimumLogLevel(LogLevel.All), Effect.provide(capture))
      assert.isAbove(lines.length, 0)
      for (const text of [...lines, ...seen]) assert.notInclude(text, "SECRET")
    })
  )
})

describe("Credentials.makeKeyed", () => {
  const SessionKey = (sessionName: string, accountId?: string) => Data.struct({ sessionName, accountId })

  it.effect("mints once per key under concurrency and caches until the margin", () =>
    Effect.gen(function* () {
      const mints = yield* Ref.make<ReadonlyArray<string>>([])
      const sessions = yield* Credentials.makeKeyed({
        capacity: 2,
        mint: (key: ReturnType<typeof SessionKey>) =>
          Effect.flatMap(
            Ref.updateAndGet(mints, (all) => [...all, key.sessionName]),
            (all) => issue(all.length, 900)
          )
      })
      yield* Effect.all(
        Arr.makeBy(100, (i) => sessions.token(SessionKey(i % 2 === 0 ? "alice" : "bob", "42"))),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual([...(yield* Ref.get(mints))].sort(), ["alice", "bob"])
      yield* TestClock.adjust("809 seconds")
      yield* sessions.token(SessionKey("alice", "42"))
      assert.strictEqual((yield* Ref.get(mints)).length, 2)
      yield* TestClock.adjust("2 seconds")
      yield* sessions.token(SessionKey("alice", "42"))
      assert.strictEqual((yield* Ref.get(mints)).length, 3)
      yield* sessions.token(SessionKey("carol"))
      assert.isAtMost(yield* sessions.size, 2)
    })
  )

  it.effect("a failed mint is not cached", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const sessions = yield* Credentials.makeKeyed({
        mint: (_: string) =>
          Effect.flatMap(
            Ref.updateAndGet(attempts, (n) => n + 1),
            (n) => (n === 1 ? Effect.fail(new ServerError({ description: "busy", status: 503 })) : issue(n, 900))
          )
      })
      assert.strictEqual((yield* Effect.flip(sessions.token("s"))).description, "busy")
      assert.strictEqual(accessOf(yield* sessions.token("s")), "SECRET-at-2")
    })
  )
})
