// Every flow against a loopback server that misbehaves in each way a network or a proxy can: a typed error
// within the documented deadline, no secret in it, nothing followed to another origin, the refresh token
// still stored, and the flow working again once the server is healthy. Deadlines are Effect's, so the
// TestClock runs them at their documented defaults: it moves while the proxy stalls and waits while it
// forwards to the emulator (its own process, on real time).
import { generateKeyPairSync } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as AuthHttpClient from "@coze-auth/core/AuthHttpClient"
import * as CozeError from "@coze-auth/core/CozeError"
import * as Credentials from "@coze-auth/core/Credentials"
import * as Deadline from "@coze-auth/core/Deadline"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import { Token } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as WebOAuth from "@coze-auth/core/WebOAuth"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient, HttpClientResponse } from "@effect/platform"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  Cause,
  Clock,
  DateTime,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
  Schedule,
  Schema,
  TestClock,
  TestServices
} from "effect"
import * as FileTokenStore from "../src/FileTokenStore.js"
import * as NodeCoze from "../src/NodeCoze.js"
import { type Fault, type FaultProxy, faults, stalls, startEmulator, startFaultProxy } from "./utils/faultProxy.js"
import { lines, spawnFixture } from "./utils/processes.js"

let emulator: Awaited<ReturnType<typeof startEmulator>>
let proxy: FaultProxy

beforeAll(async () => {
  emulator = await startEmulator()
  proxy = await startFaultProxy(emulator.url)
})

afterAll(async () => {
  await proxy?.close()
  await emulator?.stop()
})

const control = Effect.suspend(() => EmulatorClient.make(emulator.url)).pipe(Effect.provide(FetchHttpClient.layer))
const viaProxy = () => Region.custom({ apiBase: proxy.url })
const direct = () => Region.custom({ apiBase: emulator.url })

const realPause = Effect.sleep("2 millis").pipe(TestServices.provideLive)

/**
 * Runs `effect` to its end on the TestClock, which moves 200 ms per real pause while nothing is on its way
 * to the emulator; returns the exit and the virtual seconds it took. `heal` is checked at every step.
 */
const drive = <A, E>(effect: Effect.Effect<A, E>, heal: () => boolean = () => false) =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const fiber = yield* Effect.fork(effect)
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      yield* realPause
      if (heal()) proxy.set(undefined)
      if (!proxy.busy()) yield* TestClock.adjust("200 millis")
    }
    const exit = yield* Fiber.await(fiber)
    return { exit, seconds: ((yield* Clock.currentTimeMillis) - start) / 1000 }
  })

const atRealTime = Effect.flatMap(Effect.sync(Date.now), (now) => TestClock.setTime(now))

const tokenPath = (p: string) => p.startsWith("/api/permission/oauth2/token")

/** The tag each fault must give a token-endpoint flow. */
const expected: Record<Fault, { readonly tag: string; readonly reason?: CozeError.TransportReason }> = {
  hang: { tag: "TransportError", reason: "Timeout" },
  reset: { tag: "TransportError", reason: "Reset" },
  "close mid-body": { tag: "TransportError", reason: "Reset" },
  "drip headers": { tag: "TransportError", reason: "Timeout" },
  "drip body": { tag: "TransportError", reason: "Timeout" },
  "5xx": { tag: "ServerError" },
  "429": { tag: "ServerError" },
  "429 with Retry-After": { tag: "ServerError" },
  HTML: { tag: "MalformedResponse" },
  "truncated JSON": { tag: "MalformedResponse" },
  "wrong types": { tag: "MalformedResponse" },
  "307 to another origin": { tag: "Redirected" }
}

/** The failure of `exit`, checked to be the fault's typed error and to contain none of `secrets`. */
const typedFailure = <A, E>(exit: Exit.Exit<A, E>, fault: Fault, secrets: ReadonlyArray<string>) => {
  assert.isTrue(Exit.isFailure(exit), `${fault}: expected a failure`)
  const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
  assert.isTrue(
    Option.isSome(failure),
    `${fault}: a typed failure, not ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`
  )
  const error = Option.getOrThrow(failure) as CozeError.CozeError
  assert.isTrue(CozeError.isCozeError(error), `${fault}: ${String(error)}`)
  const want = expected[fault]
  assert.strictEqual(error._tag, want.tag, `${fault}: ${error.message}`)
  if (want.reason !== undefined && error._tag === "TransportError") assert.strictEqual(error.reason, want.reason, fault)
  for (const secret of secrets) assert.notInclude(`${error.message} ${JSON.stringify(error)}`, secret, fault)
  assert.notInclude(error.message, "\n")
  return error
}

const deviceLogin = Effect.gen(function* () {
  const emu = yield* control
  const app = yield* emu.createApp({ type: "device" })
  const device = yield* DeviceOAuth.make({ clientId: app.client_id, region: direct() })
  const code = yield* device.deviceCode()
  yield* emu.approveDevice(code.userCode)
  return { app, token: yield* device.poll(code) }
}).pipe(Effect.provide(FetchHttpClient.layer))

const tempHome = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-faults-"))),
  (home) => Effect.promise(() => fs.rm(home, { recursive: true, force: true }))
)

/** A device login stored in a new file store, and Credentials renewing it through the proxy. */
const loggedIn = Effect.gen(function* () {
  const { app, token } = yield* deviceLogin
  const store = yield* FileTokenStore.make({ home: yield* tempHome })
  yield* store.set("default", token)
  const device = yield* DeviceOAuth.make({ clientId: app.client_id, region: viaProxy() })
  const credentials = yield* Credentials.make({
    profile: "default",
    source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
  }).pipe(Effect.provideService(TokenStore.TokenStore, store))
  return { credentials, store, token }
})

const refreshOf = (token: Option.Option<{ readonly refreshToken: Option.Option<Redacted.Redacted> }>) =>
  Option.getOrNull(Option.flatMap(token, (t) => Option.map(t.refreshToken, Redacted.value)))

const seconds = (duration: Duration.Duration) => Duration.toSeconds(duration)

/** `effect` through the fault: its typed error, within the operation deadline, retries included. */
const failsWithinOperation = <A, E>(effect: Effect.Effect<A, E>, fault: Fault) =>
  Effect.map(drive(effect), ({ exit, seconds: took }) => {
    typedFailure(exit, fault, [])
    assert.isAtMost(took, seconds(Deadline.defaults.operation), "within the operation deadline, retries included")
  })

const succeeded = <A, E>(exit: Exit.Exit<A, E>, what: string) =>
  assert.isTrue(Exit.isSuccess(exit), `${what}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`)

const clients = [
  ["fetch", FetchHttpClient.layer],
  ["NodeCoze", NodeCoze.layerHttpClient]
] as const

describe("fault injection", () => {
  // Every fault through each client a program gets: fetch (core's default) and NodeCoze (the MCP server's and
  // the CLI's, over node:http).
  for (const [clientName, client] of clients) {
    describe(clientName, () => {
      for (const fault of faults) {
        describe(fault, () => {
          it.scoped("Credentials refresh over the file store", () =>
            Effect.gen(function* () {
              yield* atRealTime
              const { credentials, store, token } = yield* loggedIn
              const before = refreshOf(Option.some(token))
              proxy.set(fault, tokenPath)

              const { exit, seconds: took } = yield* drive(credentials.refresh)
              typedFailure(exit, fault, [before ?? "", Redacted.value(token.accessToken)])
              assert.isAtMost(took, seconds(Deadline.defaults.token), "within the token deadline")
              // Nothing reached the server: the stored refresh token is still the live one.
              assert.strictEqual(refreshOf(yield* store.get("default")), before)

              // Healthy again: usable at once, or once a renewal still reading a stalled answer ends.
              proxy.set(undefined)
              const healed = yield* drive(
                credentials.refresh.pipe(Effect.retry(Schedule.spaced("1 second").pipe(Schedule.upTo("3 minutes"))))
              )
              succeeded(healed.exit, `${fault}: usable again`)
              assert.isAtMost(healed.seconds, seconds(Deadline.defaults.renewal) + 1)
              assert.notStrictEqual(refreshOf(yield* store.get("default")), before, "rotated and stored")
            }).pipe(Effect.provide(client))
          )

          it.scoped("JWT token", () =>
            Effect.gen(function* () {
              yield* atRealTime
              const keys = rsaKeys()
              const app = yield* Effect.flatMap(control, (emu) =>
                emu.createApp({ type: "jwt", public_key_pem: keys.publicPem })
              )
              const jwt = yield* JwtOAuth.make({
                clientId: app.client_id,
                privateKey: Redacted.make(keys.pkcs8),
                publicKeyId: app.public_key_id ?? "",
                region: viaProxy()
              })
              proxy.set(fault, tokenPath)
              yield* failsWithinOperation(jwt.token(), fault)
              proxy.set(undefined)
              const healed = yield* drive(jwt.token())
              succeeded(healed.exit, `${fault}: usable again`)
            }).pipe(Effect.provide(client))
          )

          it.scoped("device code, then polling", () =>
            Effect.gen(function* () {
              yield* atRealTime
              const emu = yield* control
              const app = yield* emu.createApp({ type: "device" })
              const device = yield* DeviceOAuth.make({ clientId: app.client_id, region: viaProxy() })
              proxy.set(fault, (p) => p.includes("/device/code"))
              yield* failsWithinOperation(device.deviceCode(), fault)

              // Polling through the fault: a transient one is just followed by the next poll, anything else
              // ends the wait with its typed error; healthy again, the approved code gives its token.
              proxy.set(undefined)
              const issued = (yield* drive(device.deviceCode())).exit
              if (Exit.isFailure(issued)) return assert.fail(`${fault}: no device code once healthy`)
              const code = issued.value
              yield* emu.approveDevice(code.userCode)
              proxy.set(fault, tokenPath)
              const start = proxy.faulted()
              const polled = yield* drive(device.awaitToken(code), () => proxy.faulted() >= start + 2)
              const lifetime = Duration.toSeconds(Duration.seconds(300))
              if (Exit.isFailure(polled.exit)) {
                typedFailure(polled.exit, fault, [Redacted.value(code.deviceCode)])
                assert.isFalse(CozeError.isTransient(Option.getOrThrow(Cause.failureOption(polled.exit.cause))))
                proxy.set(undefined)
                const next = yield* drive(device.awaitToken(code))
                succeeded(next.exit, `${fault}: the code still gives its token`)
              } else {
                assert.isTrue(
                  stalls.has(fault) ||
                    expected[fault].tag === "ServerError" ||
                    fault === "reset" ||
                    fault === "close mid-body"
                )
              }
              assert.isAtMost(polled.seconds, lifetime, "polling ends by the code's expiry")
            }).pipe(Effect.provide(client))
          )

          it.scoped("web code exchange", () =>
            Effect.gen(function* () {
              yield* atRealTime
              const emu = yield* control
              const redirectUri = "http://127.0.0.1:9/callback"
              const app = yield* emu.createApp({ type: "web", redirect_uris: [redirectUri] })
              const secret = app.client_secret ?? ""
              const web = yield* WebOAuth.make({
                clientId: app.client_id,
                clientSecret: Redacted.make(secret),
                redirectUri,
                region: Region.custom({ apiBase: proxy.url, wwwBase: emulator.url })
              })
              const { state, url } = yield* web.authorizationUrl()
              const callback = new URL(yield* emu.authorize(url, "approve"))
              const exchange = web.exchange({
                code: callback.searchParams.get("code") ?? "",
                state,
                expectedState: state
              })
              proxy.set(fault, tokenPath)
              const { exit, seconds: took } = yield* drive(exchange)
              typedFailure(exit, fault, [secret, callback.searchParams.get("code") ?? ""])
              assert.isAtMost(took, seconds(Deadline.defaults.operation), "within the operation deadline")
              proxy.set(undefined)
              const healed = yield* drive(exchange)
              succeeded(healed.exit, `${fault}: the unspent code is exchanged once healthy`)
            }).pipe(Effect.provide(client))
          )

          it.scoped("an AuthHttpClient call", () =>
            Effect.gen(function* () {
              yield* atRealTime
              const { token } = yield* deviceLogin
              const store = yield* TokenStore.makeMemory
              yield* store.set("default", token)
              const client = yield* AuthHttpClient.make({ region: viaProxy() }).pipe(
                Effect.provide(
                  Credentials.layer({
                    profile: "default",
                    source: Credentials.Source.Refreshable({ flow: "device", refresh: () => Effect.never })
                  }).pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store)))
                )
              )
              const me = client
                .get("/v1/users/me")
                .pipe(
                  Effect.flatMap(HttpClientResponse.filterStatusOk),
                  Effect.flatMap(HttpClientResponse.schemaBodyJson(User))
                )
              proxy.set(fault, (p) => p.startsWith("/v1/"))
              const stolen = proxy.stolen()
              const { exit, seconds: took } = yield* drive(me)
              assert.isTrue(Exit.isFailure(exit), fault)
              const failure = Exit.isFailure(exit)
                ? Option.getOrElse(Cause.failureOption(exit.cause), () => assert.fail(Cause.pretty(exit.cause)))
                : undefined
              const tag = (failure as { _tag: string })._tag
              assert.include(
                ["RequestError", "ResponseError", "ParseError", "TransportError", "Redirected"],
                tag,
                fault
              )
              if (fault === "307 to another origin") assert.strictEqual(tag, "Redirected")
              if (stalls.has(fault)) assert.include(["TransportError", "ResponseError"], tag)
              assert.notInclude(
                `${String(failure)} ${JSON.stringify(failure)}`,
                Redacted.value(token.accessToken),
                fault
              )
              assert.strictEqual(proxy.stolen(), stolen, "nothing followed the redirect")
              assert.isAtMost(took, seconds(Deadline.defaults.request), "within the request deadline")
              proxy.set(undefined)
              const healed = yield* drive(me)
              succeeded(healed.exit, `${fault}: usable again`)
            }).pipe(Effect.provide(client))
          )
        })
      }
    })
  }

  it.scopedLive(
    "wedge: two processes on one home while the token endpoint never answers, then heals",
    () =>
      Effect.gen(function* () {
        const { app, token } = yield* deviceLogin
        const home = yield* tempHome
        const store = yield* FileTokenStore.make({ home })
        // Expired here (the refresh token is still live at the emulator): every `token` call must renew.
        yield* store.set(
          "default",
          new Token({ ...token, expiresAt: Option.some(DateTime.unsafeMake(Date.now() - 1000)) })
        )
        proxy.set("hang", tokenPath)
        const stopAt = Date.now() + 60_000
        let healedAt = Number.POSITIVE_INFINITY
        const reports = yield* Effect.promise(async () => {
          const workers = [0, 1].map(() => spawnFixture("wedge", [home, proxy.url, app.client_id, String(stopAt)]))
          let ready = 0
          const seen: Array<Array<Call>> = [[], []]
          const served = new Set<number>()
          const heal = () => {
            setTimeout(() => {
              healedAt = Date.now()
              proxy.set(undefined)
            }, 3_000)
          }
          await Promise.all(
            workers.map((worker, i) =>
              lines(worker, (line) => {
                const call = JSON.parse(line) as Call | { ready: true }
                if ("ready" in call) {
                  if (++ready === 2) heal()
                  return
                }
                seen[i]?.push(call)
                // Stop both once each has had a token after the heal, or at once when the session was lost.
                if (call.ok && call.at > healedAt) served.add(i)
                if (call.tag === "NotAuthenticated" || served.size === 2) for (const w of workers) w.kill("SIGTERM")
              })
            )
          )
          return seen
        })
        for (const [i, calls] of reports.entries()) {
          assert.notInclude(
            calls.map((call) => call.tag),
            "NotAuthenticated",
            `process ${i} kept its session`
          )
          const during = calls.filter((call) => call.at < healedAt)
          assert.isAbove(during.length, 0, `process ${i} called while the server hung`)
          for (const call of during) {
            assert.isFalse(call.ok)
            assert.strictEqual(call.tag, "TransportError", JSON.stringify(call))
            assert.strictEqual(call.reason, "Timeout")
          }
          // No call waited much longer than its deadline (1 s here; the slack is for a loaded machine, a wedge
          // waits forever).
          for (const call of calls) assert.isAtMost(call.ms, 3_000, JSON.stringify(call))
          const firstToken = calls.find((call) => call.ok && call.at > healedAt)
          assert.isDefined(firstToken, `process ${i} got a token once the server healed`)
          // At most the renewal bound (2 s) for a renewal still reading the hung answer, then one more call.
          assert.isAtMost((firstToken?.at ?? 0) - healedAt, 8_000)
        }
        const stored = Option.getOrThrow(yield* store.get("default"))
        assert.notStrictEqual(refreshOf(Option.some(stored)), refreshOf(Option.some(token)), "rotated once, stored")
      }).pipe(Effect.provide(FetchHttpClient.layer)),
    // Renewals queue behind the stalled one for the lock; one that got it just as the server healed used to be
    // cut at a renewal deadline counted from the start of its wait, after the server had spent the refresh
    // token: both processes were logged out. The deadline now counts from when the lock is held.
    { timeout: 60_000 }
  )

  it.scopedLive("a refresh answer that comes after the caller gave up is stored, not lost", () =>
    Effect.gen(function* () {
      const { credentials, store, token } = yield* loggedIn
      // The server spends the refresh token at once, but its answer takes longer than the caller waits (and
      // longer than the request deadline: the renewal reads it for up to its own).
      proxy.delay(1_500, tokenPath)
      const caller = yield* Effect.exit(
        credentials.refresh.pipe(Deadline.withDeadlines({ token: "500 millis", request: "1 second" }))
      )
      assert.isTrue(Exit.isFailure(caller))
      const stored = yield* Effect.flatMap(store.get("default"), (current) =>
        refreshOf(current) === refreshOf(Option.some(token)) ? Effect.fail("not yet") : Effect.succeed(current)
      ).pipe(Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("10 seconds"))))
      proxy.delay(0, tokenPath)
      // The next call uses the stored credential: no second refresh, no lost session.
      const refreshes = (yield* Effect.flatMap(control, (emu) => emu.requests)).filter(
        (r) => r.grant_type === "refresh_token"
      ).length
      const next = yield* credentials.token()
      assert.strictEqual(Redacted.value(next.accessToken), Redacted.value(Option.getOrThrow(stored).accessToken))
      const after = (yield* Effect.flatMap(control, (emu) => emu.requests)).filter(
        (r) => r.grant_type === "refresh_token"
      ).length
      assert.strictEqual(after, refreshes)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

interface Call {
  readonly ok: boolean
  readonly tag?: string
  readonly reason?: string
  readonly ms: number
  readonly at: number
}

const User = Schema.Struct({ code: Schema.Literal(0), data: Schema.Struct({ user_id: Schema.String }) })

// A key per app: the emulator looks a key up by its id across apps.
const rsaKeys = () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  return {
    pkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  }
}
