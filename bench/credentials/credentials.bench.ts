// Credentials.token, two ways, each against a baseline measured in the same run:
// 1. the cached hot path against reading a Ref and the clock (target ≤ 1.5×);
// 2. 1,000 callers on an expired token against one caller doing the same refresh (target: one token
//    request per round, wall time ≤ 1.2×), against the emulator in its own process over real HTTP (its work
//    stays out of the figures), twice: on plain loopback
//    (a refresh takes ~1–4 ms) and with 50 ms of simulated network latency on every request (a refresh
//    against the real Coze API is a round trip of tens to hundreds of ms). Two more baselines say where
//    the time goes: one refresh followed by 999 callers reading its result (what waiting itself costs),
//    and the same stampede without Credentials — 1,000 plain fibers awaiting one Deferred completed by
//    one forked refresh (what Effect itself costs).

import type { CozeError } from "@coze-auth/core/CozeError"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import { Token } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import {
  Array as Arr,
  Clock,
  DateTime,
  Deferred,
  Effect,
  Layer,
  Option,
  Redacted,
  Ref,
  TestClock,
  TestContext
} from "effect"
import * as Emulator from "../shared/emulator.js"
import { quick } from "../shared/measure.js"

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
  for (let round = 0; round < (quick ? 3 : 7); round++) {
    rounds.baseline.push(yield* loop(baseline))
    rounds.token.push(yield* loop(credentials.token()))
  }
  const [base, token] = [median(rounds.baseline), median(rounds.token)]
  const ratio = token / base
  console.log(`Ref.get + Clock (baseline)     ${((base * 1e6) / iterations).toFixed(0)} ns/op`)
  console.log(`Credentials.token (cached)     ${((token * 1e6) / iterations).toFixed(0)} ns/op`)
  console.log(`hot path ratio ${ratio.toFixed(2)}× (target ≤ 1.50×) ${ratio <= 1.5 ? "ok" : "ABOVE TARGET"}`)
})

/** Real time: the bench runs on a TestClock (it expires the tokens), on which `Effect.sleep` never ends. */
const realDelay = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/** The network between us and Coze: every request waits `ms` of real time before it leaves. */
const withLatency = (client: HttpClient.HttpClient, ms: number): HttpClient.HttpClient =>
  ms === 0 ? client : HttpClient.transform(client, (request) => Effect.zipRight(realDelay(ms), request))

const callers = 1000
const all = <A, E>(n: number, f: () => Effect.Effect<A, E>) =>
  Effect.all(Arr.makeBy(n, f), { concurrency: "unbounded", discard: true })

/** What one round measures, in milliseconds, for one network. */
interface Measures {
  readonly lone: number
  readonly readers: number
  readonly stampede: number
  readonly plainLone: number
  readonly plainStampede: number
}

// One network: a logged-in Credentials and, for the plain baseline, a second login refreshed by hand.
const network = (latency: number) =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient.EmulatorClient
    const client = withLatency(yield* HttpClient.HttpClient, latency)
    const login = Effect.gen(function* () {
      const app = yield* emulator.createApp({ type: "device" })
      const device = yield* DeviceOAuth.make({
        clientId: app.client_id,
        region: Region.custom({ apiBase: emulator.url })
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const code = yield* device.deviceCode()
      yield* emulator.approveDevice(code.userCode)
      return { device, token: yield* device.poll(code) }
    })
    const { device, token } = yield* login
    const store = yield* TokenStore.makeMemory
    yield* store.set("bench", token)
    const credentials = yield* Credentials.make({
      profile: "bench",
      source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))

    // The plain baseline: the same refresh request, with the rotated refresh token kept in a variable.
    const plain = yield* login
    let refreshToken = Option.getOrThrow(plain.token.refreshToken)
    const plainRefresh = Effect.suspend(() => plain.device.refresh(refreshToken)).pipe(
      Effect.tap((renewed) =>
        Effect.sync(() => {
          refreshToken = Option.getOrElse(renewed.refreshToken, () => refreshToken)
        })
      )
    )
    const plainStampede = Effect.gen(function* () {
      const done = yield* Deferred.make<Token, CozeError>()
      let started = false
      yield* all(callers, () =>
        Effect.suspend(() => {
          if (started) return Deferred.await(done)
          started = true
          return Effect.zipRight(Effect.forkDaemon(Deferred.complete(done, plainRefresh)), Deferred.await(done))
        })
      )
    })

    const refreshCount = Effect.map(
      emulator.requests,
      (requests) => requests.filter((r) => r.grant_type === "refresh_token").length
    )
    const requests = new Set<number>()
    const counted = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.gen(function* () {
        const before = yield* refreshCount
        const ms = yield* timed(effect)
        requests.add((yield* refreshCount) - before)
        return ms
      })
    // The client runs on a TestClock set to the real time at the start; both clocks move together.
    const expire = Effect.zipRight(TestClock.adjust("901 seconds"), emulator.advanceClock(901))
    const expired = <A, E>(effect: Effect.Effect<A, E>) => Effect.zipRight(expire, timed(effect))

    const round: Effect.Effect<Measures, CozeError> = Effect.gen(function* () {
      const lone = yield* expired(credentials.token())
      const readers = yield* expired(
        Effect.zipRight(
          credentials.token(),
          all(callers - 1, () => credentials.token())
        )
      )
      yield* expire
      const stampede = yield* counted(all(callers, () => credentials.token()))
      const plainLone = yield* timed(plainRefresh)
      const plainStampedeMs = yield* timed(plainStampede)
      return { lone, readers, stampede, plainLone, plainStampede: plainStampedeMs }
    })
    return { round, requests }
  })

const report = (title: string, rounds: ReadonlyArray<Measures>, requests: ReadonlySet<number>) => {
  const m = (key: keyof Measures) => median(rounds.map((r) => r[key]))
  const [lone, readers, stampede, plainLone, plainStampede] = [
    m("lone"),
    m("readers"),
    m("stampede"),
    m("plainLone"),
    m("plainStampede")
  ]
  const ms = (value: number) => `${value.toFixed(2).padStart(7)} ms`
  const x = (value: number) => `${value.toFixed(2)}×`
  const target = stampede / lone
  console.log(`\n${title} (medians of ${rounds.length} interleaved rounds)`)
  console.log(`  1 caller, expired token (the issue's baseline)         ${ms(lone)}`)
  console.log(`  1 refresh, then 999 callers on the renewed token       ${ms(readers)}`)
  console.log(`  1,000 callers, expired token                           ${ms(stampede)}`)
  console.log(`  plain Effect: the same refresh request alone           ${ms(plainLone)}`)
  console.log(`  plain Effect: 1,000 fibers on a Deferred, 1 refresh    ${ms(plainStampede)}`)
  console.log(`  token requests per 1,000-caller round: ${[...requests].join(", ")} (target 1)`)
  console.log(
    `  stampede vs a lone caller            ${x(target)} (target ≤ 1.20×) ${target <= 1.2 ? "ok" : "ABOVE TARGET"}`
  )
  console.log(`  stampede vs 1 refresh + 999 readers  ${x(stampede / readers)} (what waiting costs)`)
  console.log(`  plain Effect, 1,000 fibers vs 1      ${x(plainStampede / plainLone)} (the floor: Effect's own cost)`)
  console.log(`  Credentials vs plain Effect, 1,000   ${x(stampede / plainStampede)} (Credentials' own share)`)
}

// Credentials runs on a TestClock that starts at the real time; the emulator's clock is moved with it.
const stampede = Effect.gen(function* () {
  yield* TestClock.setTime(Date.now())
  const loopback = yield* network(0)
  const latency = yield* network(50)
  const rounds = { loopback: [] as Array<Measures>, latency: [] as Array<Measures> }
  for (let round = 0; round < (quick ? 5 : 25); round++) {
    rounds.loopback.push(yield* loopback.round)
    rounds.latency.push(yield* latency.round)
  }
  report("emulator on loopback", rounds.loopback, loopback.requests)
  report("emulator + 50 ms simulated latency per request", rounds.latency, latency.requests)
}).pipe(Effect.provide(Layer.merge(Emulator.layer(), FetchHttpClient.layer)), Effect.provide(TestContext.TestContext))

await Effect.runPromise(Effect.zipRight(hotPath, stampede))
