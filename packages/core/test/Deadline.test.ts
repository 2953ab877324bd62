import { readFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import {
  Clock,
  ConfigProvider,
  DateTime,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
  Ref,
  TestClock
} from "effect"
import * as Example from "../examples/deadlines.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import type { CozeError, TransportError } from "../src/CozeError.js"
import * as Credentials from "../src/Credentials.js"
import * as Deadline from "../src/Deadline.js"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as Region from "../src/Region.js"
import { Token } from "../src/Token.js"
import * as TokenStore from "../src/TokenStore.js"
import * as WebOAuth from "../src/WebOAuth.js"
import { jsonResponse, stubClient, TestEmulator } from "./utils/index.js"

const region = Region.custom({ apiBase: "https://api.example.test" })

const issue = (n: number) =>
  Effect.map(Clock.currentTimeMillis, (now) =>
    Token.make({
      accessToken: Redacted.make(`SECRET-at-${n}`),
      refreshToken: Option.some(Redacted.make(`SECRET-rt-${n}`)),
      expiresAt: Option.some(DateTime.unsafeMake(now + 900_000)),
      obtainedAt: DateTime.unsafeMake(now),
      flow: "device",
      logId: Option.none()
    })
  )

/** Credentials over a memory store holding an expired token, renewed by `refresh`. */
const credentialsWith = (refresh: (rt: Redacted.Redacted) => Effect.Effect<Token, CozeError>) =>
  Effect.gen(function* () {
    const store = yield* TokenStore.makeMemory
    yield* store.set("default", new Token({ ...(yield* issue(0)), expiresAt: Option.some(DateTime.unsafeMake(0)) }))
    const credentials = yield* Credentials.make({
      profile: "default",
      source: Credentials.Source.Refreshable({ flow: "device", refresh })
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))
    return { credentials, store }
  })

const isTimeout = (error: CozeError): error is TransportError =>
  error._tag === "TransportError" && error.reason === "Timeout"

describe("Deadline", () => {
  it.effect(
    "a token call ends at its deadline; the renewal goes on, is cut at its own, and the next call starts anew",
    () =>
      Effect.gen(function* () {
        const started = yield* Ref.make(0)
        const interrupted = yield* Ref.make(0)
        const { credentials } = yield* credentialsWith(() =>
          Effect.zipRight(
            Ref.update(started, (n) => n + 1),
            Effect.never
          ).pipe(Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1)))
        )
        const caller = yield* Effect.fork(Effect.flip(credentials.token()))
        yield* TestClock.adjust(Deadline.defaults.token)
        const error = yield* Fiber.join(caller)
        assert.isTrue(isTimeout(error), error.message)
        assert.match(error.message, /^no token for profile "default" within 1m/)
        // The renewal is not abandoned with its caller...
        assert.strictEqual(yield* Ref.get(interrupted), 0)
        // ...and ends (interrupted: no uninterruptible region around the request) at the renewal deadline.
        yield* TestClock.adjust(Deadline.defaults.renewal)
        assert.strictEqual(yield* Ref.get(interrupted), 1)
        const next = yield* Effect.fork(Effect.flip(credentials.token()))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Ref.get(started), 2, "the next call started a new renewal")
        yield* Fiber.interrupt(next)
      })
  )

  it.effect("an interrupted caller does not abandon its renewal: the renewed token is stored", () =>
    Effect.gen(function* () {
      const { credentials, store } = yield* credentialsWith(() => Effect.zipRight(Effect.sleep("5 seconds"), issue(1)))
      const caller = yield* Effect.fork(credentials.token())
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(caller)
      yield* TestClock.adjust("5 seconds")
      const stored = Option.getOrThrow(yield* store.get("default"))
      assert.strictEqual(Redacted.value(stored.accessToken), "SECRET-at-1")
    })
  )

  it.effect("a renewal that waited long for the lock still reads its answer for the whole renewal deadline", () =>
    Effect.gen(function* () {
      // The answer takes 90 s; another holder keeps the lock for 90 s first. Counted from the start of the
      // wait, the 2 min renewal deadline would cut the answer off after the server had spent the refresh
      // token (the session lost); counted from when the lock is held, it is read and stored.
      const { credentials, store } = yield* credentialsWith(() => Effect.zipRight(Effect.sleep("90 seconds"), issue(1)))
      const holder = yield* Effect.fork(store.withLock("default", Effect.sleep("90 seconds")))
      yield* TestClock.adjust("1 second")
      const caller = yield* Effect.fork(Effect.exit(credentials.token()))
      yield* TestClock.adjust("179 seconds")
      yield* Fiber.join(holder)
      assert.isTrue(Exit.isFailure(yield* Fiber.join(caller)), "the caller gave up at its own deadline")
      const stored = Option.getOrThrow(yield* store.get("default"))
      assert.strictEqual(Redacted.value(stored.accessToken), "SECRET-at-1")
    })
  )

  it.effect("deadlines are configurable: a layer for the program, withDeadlines for one call", () =>
    Effect.gen(function* () {
      const { credentials } = yield* credentialsWith(() => Effect.never)
      const caller = yield* Effect.fork(
        Effect.flip(credentials.token().pipe(Deadline.withDeadlines({ token: "3 seconds" })))
      )
      yield* TestClock.adjust("3 seconds")
      assert.isTrue(isTimeout(yield* Fiber.join(caller)))
      const layered = yield* Effect.provide(Deadline.Deadlines, Deadline.layer({ request: "5 seconds" }))
      assert.strictEqual(Duration.toMillis(layered.request), 5_000)
      assert.strictEqual(Duration.toMillis(layered.token), Duration.toMillis(Deadline.defaults.token))
    })
  )

  it.effect("the environment sets them in seconds (COZE_AUTH_*_TIMEOUT); a bad value names its variable", () =>
    Effect.gen(function* () {
      const read = (env: Record<string, string>) =>
        Effect.provide(Deadline.Deadlines, Deadline.layerConfig).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      const set = yield* read({
        COZE_AUTH_REQUEST_TIMEOUT: "0.5",
        COZE_AUTH_TOKEN_TIMEOUT: " 90 ",
        COZE_AUTH_OPERATION_TIMEOUT: "1500 millis"
      })
      assert.strictEqual(Duration.toMillis(set.request), 500)
      assert.strictEqual(Duration.toMillis(set.token), 90_000)
      assert.strictEqual(Duration.toMillis(set.operation), 1_500)
      assert.strictEqual(Duration.toMillis(set.renewal), Duration.toMillis(Deadline.defaults.renewal))
      for (const value of ["soon", "0", "-1", "10s", ""]) {
        const error = yield* Effect.flip(read({ COZE_AUTH_RENEWAL_TIMEOUT: value }))
        assert.strictEqual(error._tag, "ConfigError")
        assert.include(error.message, "COZE_AUTH_RENEWAL_TIMEOUT")
        assert.notInclude(error.message, "\n")
      }
    })
  )

  it.effect("a refresh against a server that never answers fails at the request deadline, and is not resent", () =>
    Effect.gen(function* () {
      const { attempts, client } = yield* stubClient(() => Effect.never)
      const device = yield* DeviceOAuth.make({ clientId: "c", region }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const fiber = yield* Effect.fork(Effect.flip(device.refresh(Redacted.make("SECRET-rt"))))
      yield* TestClock.adjust(Deadline.defaults.request)
      const error = yield* Fiber.join(fiber)
      assert.isTrue(isTimeout(error))
      assert.match(error.message, /^no complete answer from https:\/\/api\.example\.test\/.* within 30s/)
      assert.strictEqual(yield* attempts, 1)
    })
  )

  it.effect("a device-code request to a hanging server is bounded as a whole: one request deadline, not five", () =>
    Effect.gen(function* () {
      const { attempts, client } = yield* stubClient(() => Effect.never)
      const device = yield* DeviceOAuth.make({ clientId: "c", region }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const fiber = yield* Effect.fork(Effect.exit(device.deviceCode()))
      yield* TestClock.adjust(Deadline.defaults.operation)
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(yield* attempts, 1)
    })
  )

  it.effect("a redirect is never followed: Redirected names the target; the secret went nowhere else", () =>
    Effect.gen(function* () {
      const { attempts, client } = yield* stubClient(() =>
        Effect.succeed(new Response(null, { status: 307, headers: { location: "https://evil.example/steal" } }))
      )
      const web = yield* WebOAuth.make({ clientId: "c", clientSecret: Redacted.make("SECRET-cs"), region }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const error = yield* Effect.flip(
        web.exchange({ code: "code-1", state: "s", expectedState: "s", redirectUri: "x" })
      )
      assert.strictEqual(error._tag, "Redirected")
      assert.strictEqual(error._tag === "Redirected" ? error.location : "", "https://evil.example/steal")
      assert.match(error.message, /redirecting to https:\/\/evil\.example\/steal/)
      assert.strictEqual(yield* attempts, 1)
    })
  )

  it.effect("a server echoing the request in its error text has the secrets scrubbed", () =>
    Effect.gen(function* () {
      const { client } = yield* stubClient((_, request) =>
        Effect.succeed(
          jsonResponse(400, {
            error_code: "invalid_grant",
            error_message: `bad request: ${JSON.stringify(request.body)} ${request.headers.authorization} rt=SECRET-rt%2B1`
          })
        )
      )
      const web = yield* WebOAuth.make({ clientId: "c", clientSecret: Redacted.make("SECRET-cs"), region }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const error = yield* Effect.flip(web.refresh(Redacted.make("SECRET-rt+1")))
      assert.strictEqual(error._tag, "InvalidGrant")
      assert.notInclude(error.message, "SECRET")
      assert.include(error.message, "<redacted>")
    })
  )

  it.effect("AuthHttpClient calls have the request deadline, overridable per call", () =>
    Effect.gen(function* () {
      const { client } = yield* stubClient(() => Effect.never)
      const token = yield* issue(1)
      const api = yield* AuthHttpClient.make({ region }).pipe(
        Effect.provide(
          Credentials.layer({ profile: "p", source: Credentials.Source.Static({ token }) }).pipe(
            Layer.provide(TokenStore.layerMemory),
            Layer.merge(Layer.succeed(HttpClient.HttpClient, client))
          )
        )
      )
      const byDefault = yield* Effect.fork(Effect.flip(api.get("/v1/users/me")))
      const short = yield* Effect.fork(
        Effect.flip(api.get("/v1/users/me").pipe(Deadline.withDeadlines({ request: "5 seconds" })))
      )
      yield* TestClock.adjust("5 seconds")
      const shortError = yield* Fiber.join(short)
      assert.strictEqual(shortError._tag, "TransportError")
      assert.isNull(yield* Fiber.poll(byDefault).pipe(Effect.map(Option.getOrNull)))
      yield* TestClock.adjust(Deadline.defaults.request)
      assert.strictEqual((yield* Fiber.join(byDefault))._tag, "TransportError")
    })
  )
})

describe("transport errors say what failed", () => {
  // One attempt each, on real sockets: no retry fits in an operation deadline this short, so the tests wait
  // on no backoff (and a port freed for the refused test is open to reuse for milliseconds, not seconds).
  const deviceAt = (apiBase: string) =>
    DeviceOAuth.make({ clientId: "c", region: Region.custom({ apiBase }) }).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.map((device) => ({
        deviceCode: () =>
          device.deviceCode().pipe(Deadline.withDeadlines({ operation: "10 seconds", request: "10 seconds" }))
      }))
    )

  it.live("connection refused names the host and the setting to check", () =>
    Effect.gen(function* () {
      // A port that was just free: nothing listens there.
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) => {
            const server = http.createServer().listen(0, "127.0.0.1", () => {
              const { port } = server.address() as AddressInfo
              server.close(() => resolve(port))
            })
          })
      )
      const error = yield* Effect.flip((yield* deviceAt(`http://127.0.0.1:${port}`)).deviceCode())
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" ? error.reason : "", "Refused")
      assert.match(error.message, new RegExp(`the connection to 127\\.0\\.0\\.1:${port} was refused.*COZE_API_BASE`))
      assert.isDefined(error._tag === "TransportError" ? error.cause : undefined, "the cause is kept")
    })
  )

  // A certificate nobody trusts (self-signed, as a TLS-inspecting proxy's looks without its CA), and https://
  // to a server that speaks plain HTTP: both are TLS failures, said as such, with the setting to check.
  it.live("TLS that fails names the host, the cause's code and what to check", () =>
    Effect.gen(function* () {
      const fixture = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url))
      const listen = (server: http.Server) =>
        Effect.acquireRelease(
          Effect.promise(
            () =>
              new Promise<number>((resolve) =>
                server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
              )
          ),
          () => Effect.sync(() => server.close())
        )
      const tls = https.createServer({ key: fixture("self-signed.key"), cert: fixture("self-signed.crt") }, (_, res) =>
        res.end("{}")
      )
      let handshakes = 0
      tls.on("tlsClientError", () => handshakes++)
      const untrusted = yield* listen(tls)
      const plain = yield* listen(http.createServer((_, res) => res.end("{}")))
      for (const [apiBase, code] of [
        [`https://127.0.0.1:${untrusted}`, /SELF_SIGNED|UNABLE_TO_VERIFY/],
        [`https://127.0.0.1:${plain}`, /SSL|TLS|EPROTO/]
      ] as const) {
        const error = yield* Effect.flip((yield* deviceAt(apiBase)).deviceCode())
        assert.strictEqual(error._tag === "TransportError" ? error.reason : error._tag, "Tls", error.message)
        assert.match(error.message, /^TLS with 127\.0\.0\.1:\d+ failed \(/)
        assert.match(error.message, code)
        assert.include(error.message, "check COZE_API_BASE (its scheme and host)")
        assert.include(error.message, "NODE_EXTRA_CA_CERTS")
      }
      // Not retried: it would fail the same way.
      assert.strictEqual(handshakes, 1)
    }).pipe(Effect.scoped)
  )

  it.live("a name that does not resolve says so", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip((yield* deviceAt("http://no-such-host.invalid")).deviceCode())
      assert.strictEqual(error._tag === "TransportError" ? error.reason : error._tag, "Dns")
      assert.match(
        error.message,
        /the name no-such-host\.invalid did not resolve \(E[A-Z_]+\); check the host in COZE_API_BASE/
      )
    })
  )
})

describe("the deadlines example", () => {
  it("docs/credentials.md shows examples/deadlines.ts verbatim", () => {
    const read = (file: string) => readFileSync(new URL(file, import.meta.url), "utf8")
    assert.include(read("../../../docs/credentials.md"), read("../examples/deadlines.ts"))
  })

  it.effect("runs against the emulator with its deadlines in force", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "device" })
      const lines: Array<string> = []
      const code = yield* Example.program.pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["COZE_DEVICE_OAUTH_CLIENT_ID", app.client_id],
              ["COZE_API_BASE", emulator.url]
            ])
          )
        ),
        (effect) =>
          Effect.consoleWith((console) =>
            Effect.withConsole(effect, {
              ...console,
              log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => lines.push(args.map(String).join(" ")))
            })
          )
      )
      assert.deepStrictEqual(lines, [
        "requests give up after 10s, calls after 20s",
        `Open ${code.verificationUrl} and approve (code ${code.userCode})`
      ])
    }).pipe(Effect.provide(TestEmulator()))
  )
})

// On the live clock `within` runs the effect in one fiber against a plain timer (TestClock tests take
// Effect's own timeout): the same outcomes, checked here on the real clock without waiting on it.
describe("within, on the live clock", () => {
  it.live("fails with a Timeout at the deadline and interrupts what it bounds", () =>
    Effect.gen(function* () {
      const interrupted = yield* Ref.make(false)
      const error = yield* Effect.never.pipe(
        Effect.onInterrupt(() => Ref.set(interrupted, true)),
        Deadline.within(Duration.millis(10), (took) => `nothing within ${took}`),
        Effect.flip
      )
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.message, "nothing within 10ms")
      assert.isTrue(yield* Ref.get(interrupted))
    })
  )

  it.live("an answer in time is the answer; a failure keeps its error", () =>
    Effect.gen(function* () {
      const within = Deadline.within(Duration.minutes(1), () => "late")
      assert.strictEqual(yield* within(Effect.succeed(42)), 42)
      const error = yield* Effect.flip(within(Effect.fail("refused" as const)))
      assert.strictEqual(error, "refused")
    })
  )

  it.live("interrupting the caller interrupts what it bounds", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const caller = yield* Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)),
        Deadline.within(Duration.minutes(1), () => "late"),
        Effect.fork
      )
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(caller)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isTrue(yield* Deferred.isDone(interrupted))
    })
  )
})

// A renewal's deadline ends the renewal's own fiber (no second fiber races it): its callers get the timeout,
// the request it bounds is interrupted, the lock is released. Checked on the real clock without waiting on it.
describe("the renewal deadline, on the live clock", () => {
  it.live("ends the renewal: its callers get the timeout, the request is interrupted, the next call renews", () =>
    Effect.gen(function* () {
      const interrupted = yield* Ref.make(0)
      const answers = yield* Ref.make<ReadonlyArray<Effect.Effect<Token, CozeError>>>([
        Effect.never.pipe(Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1))),
        issue(1)
      ])
      const { credentials } = yield* credentialsWith(() =>
        Effect.flatten(Ref.modify(answers, ([next, ...rest]) => [next!, rest]))
      )
      const quick = Deadline.withDeadlines({ renewal: "10 millis" })
      const error = yield* Effect.flip(credentials.token().pipe(quick))
      assert.isTrue(isTimeout(error), error.message)
      assert.strictEqual(error.message, 'the renewal of profile "default" did not finish within 10ms')
      assert.strictEqual(yield* Ref.get(interrupted), 1)
      assert.strictEqual(Redacted.value((yield* credentials.token().pipe(quick)).accessToken), "SECRET-at-1")
    })
  )
})

// `awaitWithin` waits for a fiber it does not own (a renewal outliving its callers): on the live clock with a
// plain timer, on a TestClock with Effect's timeout; either way the fiber goes on.
describe("awaitWithin", () => {
  it.live("on the live clock: a Timeout at the deadline leaves the fiber running, whose outcome still comes", () =>
    Effect.gen(function* () {
      const release = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkDaemon(Effect.as(Deferred.await(release), 42))
      const error = yield* Effect.flip(Deadline.awaitWithin(fiber, Duration.millis(10), (took) => `none in ${took}`))
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.message, "none in 10ms")
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(yield* Deadline.awaitWithin(fiber, Duration.minutes(1), () => "late"), 42)
    })
  )

  it.live("on the live clock: a failure keeps its error; an interrupted waiter leaves the fiber running", () =>
    Effect.gen(function* () {
      const failing = yield* Effect.fork(Effect.fail("refused" as const))
      assert.strictEqual(
        yield* Effect.flip(Deadline.awaitWithin(failing, Duration.minutes(1), () => "late")),
        "refused"
      )
      const fiber = yield* Effect.forkDaemon(Effect.never)
      const waiter = yield* Effect.fork(Deadline.awaitWithin(fiber, Duration.minutes(1), () => "late"))
      yield* Effect.yieldNow()
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(waiter)))
      assert.isNull(fiber.unsafePoll(), "the fiber runs on")
      yield* Fiber.interrupt(fiber)
    })
  )

  it.effect("on a TestClock: the same Timeout, the fiber running on", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.forkDaemon(Effect.as(Effect.sleep(Duration.minutes(2)), 42))
      const waiter = yield* Effect.fork(Deadline.awaitWithin(fiber, Duration.minutes(1), (took) => `none in ${took}`))
      yield* TestClock.adjust(Duration.minutes(1))
      const error = yield* Effect.flip(Fiber.join(waiter))
      assert.strictEqual(error.reason, "Timeout")
      yield* TestClock.adjust(Duration.minutes(1))
      assert.strictEqual(yield* Fiber.join(fiber), 42)
    })
  )
})
