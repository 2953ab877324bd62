// Credentials.token, two ways, each against a baseline measured in the same run:
// 1. the cached hot path against reading a Ref and the clock (target ≤ 1.5×);
// 2. 1,000 callers on an expired token against one caller doing the same refresh, both against the
//    emulator over real HTTP (target: one token request per round, wall time ≤ 1.2×).
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import { Token } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { Array as Arr, Clock, DateTime, Effect, Layer, Option, Redacted, Ref, TestClock, TestContext } from "effect"

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/** Milliseconds for `effect`, measured on the wall clock whatever Clock the context has. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(effect, () => performance.now() - start)
  })

const hotPath = Effect.gen(function* () {
  const iterations = 200_000
  const store = yield* TokenStore.makeMemory
  const now = Date.now()
  yield* store.set(
    "bench",
    Token.make({
      accessToken: Redacted.make("at"),
      refreshToken: Option.some(Redacted.make("rt")),
      expiresAt: Option.some(DateTime.unsafeMake(now + 86_400_000)),
      obtainedAt: DateTime.unsafeMake(now),
      flow: "device",
      logId: Option.none()
    })
  )
  const credentials = yield* Credentials.make({
    profile: "bench",
    source: Credentials.Source.Refreshable({ flow: "device", refresh: () => Effect.die("not due") })
  }).pipe(Effect.provideService(TokenStore.TokenStore, store))
  yield* credentials.token()
  const ref = yield* Ref.make(now)
  const baseline = Effect.flatMap(Ref.get(ref), (at) => Effect.map(Clock.currentTimeMillis, (t) => t > at))
  const loop = <A, E>(effect: Effect.Effect<A, E>) =>
    timed(
      Effect.gen(function* () {
        for (let i = 0; i < iterations; i++) yield* effect
      })
    )
  const rounds = { baseline: [] as Array<number>, token: [] as Array<number> }
  for (let round = 0; round < 7; round++) {
    rounds.baseline.push(yield* loop(baseline))
    rounds.token.push(yield* loop(credentials.token()))
  }
  const [base, token] = [median(rounds.baseline), median(rounds.token)]
  const ratio = token / base
  console.log(`Ref.get + Clock (baseline)     ${((base * 1e6) / iterations).toFixed(0)} ns/op`)
  console.log(`Credentials.token (cached)     ${((token * 1e6) / iterations).toFixed(0)} ns/op`)
  console.log(`hot path ratio ${ratio.toFixed(2)}× (target ≤ 1.50×) ${ratio <= 1.5 ? "ok" : "ABOVE TARGET"}`)
})

// The emulator and Credentials share a TestClock: adjusting it expires the token for both.
const stampede = Effect.gen(function* () {
  const emulator = yield* EmulatorClient.EmulatorClient
  const app = yield* emulator.createApp({ type: "device" })
  const device = yield* DeviceOAuth.make({ clientId: app.client_id, region: Region.custom({ apiBase: emulator.url }) })
  const code = yield* device.deviceCode()
  yield* emulator.approveDevice(code.userCode)
  const store = yield* TokenStore.makeMemory
  yield* store.set("bench", yield* device.poll(code))
  const credentials = yield* Credentials.make({
    profile: "bench",
    source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
  }).pipe(Effect.provideService(TokenStore.TokenStore, store))
  const refreshCount = Effect.map(
    emulator.requests,
    (all) => all.filter((r) => r.grant_type === "refresh_token").length
  )

  // Each round expires the token, then times `callers` concurrent calls: all of them on the expired token
  // (`together`), or one refresh first and the rest on the renewed token (the ideal a stampede is held to).
  const expiredThen = (callers: number, together: boolean) =>
    Effect.gen(function* () {
      yield* TestClock.adjust("901 seconds")
      const before = yield* refreshCount
      const all = (n: number) =>
        Effect.all(
          Arr.makeBy(n, () => credentials.token()),
          { concurrency: "unbounded" }
        )
      const ms = yield* timed(together ? all(callers) : Effect.zipRight(credentials.token(), all(callers - 1)))
      return { ms, requests: (yield* refreshCount) - before }
    })
  const rounds = { one: [] as Array<number>, ideal: [] as Array<number>, many: [] as Array<number> }
  const requests = new Set<number>()
  for (let round = 0; round < 30; round++) {
    rounds.one.push((yield* expiredThen(1, true)).ms)
    rounds.ideal.push((yield* expiredThen(1000, false)).ms)
    const many = yield* expiredThen(1000, true)
    rounds.many.push(many.ms)
    requests.add(many.requests)
  }
  const [one, ideal, many] = [median(rounds.one), median(rounds.ideal), median(rounds.many)]
  console.log(`1 caller, expired token                   ${one.toFixed(2)} ms (median of 30)`)
  console.log(`1 refresh, then 999 callers on the result ${ideal.toFixed(2)} ms`)
  console.log(`1,000 callers, expired token              ${many.toFixed(2)} ms`)
  console.log(`token requests per 1,000-caller round: ${[...requests].join(", ")} (target 1)`)
  const ratio = many / ideal
  console.log(
    `stampede vs one refresh + 999 readers ${ratio.toFixed(2)}× (target ≤ 1.20×) ${ratio <= 1.2 ? "ok" : "ABOVE TARGET"}`
  )
  console.log(`stampede vs a lone caller ${(many / one).toFixed(2)}× (the cost of 1,000 fibers, not of refreshing)`)
}).pipe(
  Effect.provide(
    EmulatorClient.layer.pipe(
      Layer.provideMerge(Emulator.layer({ port: 0 })),
      Layer.provideMerge(FetchHttpClient.layer)
    )
  ),
  Effect.provide(TestContext.TestContext)
)

await Effect.runPromise(Effect.zipRight(hotPath, stampede))
