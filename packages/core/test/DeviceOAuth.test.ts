import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, DateTime, Duration, Effect, Exit, Fiber, Option, Queue, Redacted, Ref, Schema, TestClock } from "effect"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import * as Wire from "../src/Wire.js"
import {
  advance,
  connectionReset,
  emulatorRegion,
  jsonResponse,
  requestsOf,
  sleepingWithin,
  stubClient,
  TestEmulator
} from "./utils/index.js"

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

const setup = Effect.gen(function* () {
  const emulator = yield* EmulatorClient
  const app = yield* emulator.createApp({ type: "device" })
  const device = yield* DeviceOAuth.make({ clientId: app.client_id, region: yield* emulatorRegion })
  return { device, emulator }
})

/** Starts `awaitToken` in the background; `next` waits for its next progress report. */
const start = (device: DeviceOAuth.Service, code: DeviceOAuth.DeviceCode) =>
  Effect.gen(function* () {
    const reports = yield* Queue.unbounded<DeviceOAuth.Progress>()
    const fiber = yield* Effect.fork(device.awaitToken(code, { onProgress: (p) => Queue.offer(reports, p) }))
    return { fiber, next: Queue.take(reports) }
  })

const polls = Effect.map(requestsOf(deviceGrant), (requests) => requests.length)

/** Whether the fiber under test sleeps until `at`; asks the emulator first, so a loop of it waits on real I/O. */
const parkedUntil = (at: DateTime.Utc) =>
  Effect.zipRight(
    polls,
    Effect.map(
      TestClock.sleeps(),
      Chunk.some((wake) => wake === at.epochMillis)
    )
  )

describe("DeviceOAuth", () => {
  it.scoped("gets a device code with a URL-encoded verification URL", () =>
    Effect.gen(function* () {
      const { device } = yield* setup
      const code = yield* device.deviceCode({ workspaceId: "ws-1" })
      assert.match(code.userCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/)
      assert.strictEqual(code.verificationUrl, `${code.verificationUri}?user_code=${encodeURIComponent(code.userCode)}`)
      assert.isTrue(Duration.equals(code.interval, Duration.seconds(5)))
      assert.strictEqual(
        DeviceOAuth.verificationUrl("https://x/verify?lang=en", "A B"),
        "https://x/verify?lang=en&user_code=A%20B"
      )
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("polls exactly three times when the user approves after 12 seconds", () =>
    Effect.gen(function* () {
      const { device, emulator } = yield* setup
      const code = yield* device.deviceCode()
      const { fiber, next } = yield* start(device, code)
      const first = yield* next
      assert.deepStrictEqual([first.attempt, first.secondsLeft], [1, 300])
      yield* advance(5)
      assert.strictEqual((yield* next).attempt, 2)
      yield* advance(5)
      assert.strictEqual((yield* next).attempt, 3)
      yield* sleepingWithin(5)
      yield* TestClock.adjust("2 seconds")
      yield* emulator.approveDevice(code.userCode)
      yield* advance(3)
      const token = yield* Fiber.join(fiber)
      assert.strictEqual(token.flow, "device")
      assert.isTrue(token.refreshable)
      assert.strictEqual(yield* polls, 3)
      const refreshed = yield* device.refresh(Option.getOrThrow(token.refreshToken))
      assert.strictEqual(refreshed.flow, "device")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("fails with AccessDenied when the user denies", () =>
    Effect.gen(function* () {
      const { device, emulator } = yield* setup
      const code = yield* device.deviceCode()
      const { fiber, next } = yield* start(device, code)
      yield* next
      yield* emulator.denyDevice(code.userCode)
      yield* advance(5)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual((yield* Effect.flip(Fiber.join(fiber)))._tag, "AccessDenied")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("single polls surface AuthorizationPending and SlowDown", () =>
    Effect.gen(function* () {
      const { device } = yield* setup
      const code = yield* device.deviceCode()
      assert.strictEqual((yield* Effect.flip(device.poll(code)))._tag, "AuthorizationPending")
      assert.strictEqual((yield* Effect.flip(device.poll(code)))._tag, "SlowDown")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("adds 5 seconds to the interval on every slow_down, without a cap", () =>
    Effect.gen(function* () {
      const { device } = yield* setup
      // Claim a 2 s interval against the server's 5 s, so the server keeps answering slow_down.
      const code = new DeviceOAuth.DeviceCode({ ...(yield* device.deviceCode()), interval: Duration.seconds(2) })
      const { fiber, next } = yield* start(device, code)
      const waits: Array<number> = []
      let report = yield* next
      for (let i = 0; i < 7; i++) {
        const now = yield* DateTime.now
        const wait = DateTime.distance(now, report.nextPollAt) / 1000
        waits.push(wait)
        yield* Effect.repeat(parkedUntil(report.nextPollAt), { until: (parked) => parked })
        yield* TestClock.adjust(`${wait} seconds`)
        report = yield* next
      }
      // pending, then slow_down while our interval is below the server's (which stops at 30 s), then pending.
      assert.deepStrictEqual(waits, [2, 2, 7, 12, 17, 22, 27])
      assert.strictEqual(DateTime.distance(yield* DateTime.now, report.nextPollAt) / 1000, 32)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("expires locally at the code's expiry without asking the server", () =>
    Effect.gen(function* () {
      const { device } = yield* setup
      const code = yield* device.deviceCode()
      assert.isTrue(
        DateTime.Equivalence(code.expiresAt, DateTime.addDuration(yield* DateTime.now, Duration.seconds(12)))
      )
      const { fiber, next } = yield* start(device, code)
      yield* next
      yield* advance(5)
      yield* next
      yield* advance(5)
      // The second poll is real HTTP: wait (asking the emulator, never sleeping) until its answer is in and the
      // fiber sleeps out the code, whose expiry comes before the next poll.
      yield* Effect.repeat(parkedUntil(code.expiresAt), { until: (parked) => parked })
      assert.strictEqual(yield* polls, 2)
      yield* advance(2)
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "ExpiredToken")
      assert.isUndefined(error._tag === "ExpiredToken" ? error.status : "server")
      assert.strictEqual(yield* polls, 2)
    }).pipe(Effect.provide(TestEmulator({ deviceCodeTtl: 12 })))
  )

  it.scoped("stops polling when interrupted", () =>
    Effect.gen(function* () {
      const { device } = yield* setup
      const code = yield* device.deviceCode()
      const { fiber, next } = yield* start(device, code)
      yield* next
      yield* advance(5)
      yield* next
      yield* Fiber.interrupt(fiber) // returns once the fiber is done: no poll can follow
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual(yield* polls, 1)
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.effect("a transient failure while awaiting is followed by the next poll, not by a retry", () =>
    Effect.gen(function* () {
      const { attempts, client } = yield* stubClient((attempt, request) =>
        attempt === 1
          ? Effect.succeed(jsonResponse(503, {}))
          : attempt === 2
            ? Effect.fail(connectionReset(request))
            : Effect.succeed(jsonResponse(200, { access_token: "czu", expires_in: 2_000_000_000, refresh_token: "rt" }))
      )
      const device = yield* DeviceOAuth.make({ clientId: "1.app.coze" }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const now = yield* DateTime.now
      const code = new DeviceOAuth.DeviceCode({
        deviceCode: Redacted.make("dc"),
        userCode: "ABCD-EFGH",
        verificationUri: "https://www.coze.com/verify",
        verificationUrl: "https://www.coze.com/verify?user_code=ABCD-EFGH",
        expiresAt: DateTime.addDuration(now, Duration.seconds(300)),
        interval: Duration.seconds(5),
        logId: Option.none()
      })
      const { fiber, next } = yield* start(device, code)
      for (const attempt of [1, 2, 3]) {
        assert.strictEqual((yield* next).attempt, attempt)
        yield* sleepingWithin(5)
        yield* TestClock.adjust("4 seconds")
        yield* sleepingWithin(1)
        assert.strictEqual(yield* Ref.get(attempts), attempt - 1) // nothing before the interval is up
        yield* advance(1)
        if (attempt < 3) assert.strictEqual(yield* Ref.get(attempts), attempt)
      }
      assert.strictEqual(Redacted.value((yield* Fiber.join(fiber)).accessToken), "czu")
      assert.strictEqual(yield* Ref.get(attempts), 3)
    })
  )

  it("clamps the server's interval to at least a second", () => {
    const decode = Schema.decodeUnknownSync(Wire.DeviceCodeResponse)
    const answer = { device_code: "dc", user_code: "U", verification_uri: "https://x", expires_in: 300 }
    assert.strictEqual(decode({ ...answer, interval: 0 }).interval, 1)
    assert.strictEqual(decode({ ...answer, interval: 7 }).interval, 7)
    assert.strictEqual(decode(answer).interval, 5)
  })
})
