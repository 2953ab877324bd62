import * as TokenStore from "@coze-auth/core/TokenStore"
import * as Chromium from "@coze-auth/emulator/Chromium"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Queue, Redacted, TestClock } from "effect"
import * as Browser from "../src/Browser.js"
import * as Login from "../src/Login.js"
import { numberedToken } from "./fixtures/tokens.js"
import { deviceApp, pkceApp, TestEmulator } from "./utils/emulator.js"

const TestLayer = TestEmulator().pipe(Layer.provideMerge(TokenStore.layerMemory))

const storedAccess = (profile: string) =>
  Effect.flatMap(TokenStore.TokenStore, (store) =>
    Effect.map(
      store.get(profile),
      Option.map((token) => Redacted.value(token.accessToken))
    )
  )

describe("Login.device", () => {
  it.scoped("returns the pending login at once, reports progress, stores the token", () =>
    Effect.gen(function* () {
      const { emulator, client } = yield* deviceApp()
      // A report comes before each wait for the next poll: taking one is knowing where the poller is.
      const progress = yield* Queue.unbounded<Login.LoginProgress>()
      const login = yield* Login.device({ profile: "work", client, onProgress: (p) => Queue.offer(progress, p) })
      assert.strictEqual(login.pending.flow, "device")
      assert.include(login.pending.verificationUrl, "user_code=")
      const userCode = Option.getOrThrow(login.pending.userCode)
      assert.strictEqual((yield* Queue.take(progress)).attempt, 1)
      yield* TestClock.adjust("5 seconds")
      // The first poll was answered (still pending) before the user approves.
      assert.strictEqual((yield* Queue.take(progress)).attempt, 2)
      yield* emulator.approveDevice(userCode)
      yield* TestClock.adjust("5 seconds")
      const token = yield* login.completion
      assert.deepStrictEqual(yield* storedAccess("work"), Option.some(Redacted.value(token.accessToken)))
      assert.strictEqual(yield* Queue.size(progress), 0, "two polls, no third")
    }).pipe(Effect.provide(TestLayer))
  )

  it.scoped("stores the token under the profile's lock, after a refresh that holds it", () =>
    Effect.gen(function* () {
      const memory = yield* TokenStore.makeMemory
      const loginAtLock = yield* Deferred.make<void>()
      const store: TokenStore.Service = {
        ...memory,
        withLock: (profile, effect) =>
          Effect.zipRight(Deferred.succeed(loginAtLock, undefined), memory.withLock(profile, effect))
      }
      // A refresh of the old session holds the lock, and writes its token when done.
      const release = yield* Deferred.make<void>()
      const refresh = yield* Effect.fork(
        memory.withLock("work", Effect.zipRight(Deferred.await(release), memory.set("work", numberedToken(1))))
      )
      const { emulator, client } = yield* deviceApp()
      const login = yield* Login.device({ profile: "work", client }).pipe(
        Effect.provideService(TokenStore.TokenStore, store)
      )
      yield* emulator.approveDevice(Option.getOrThrow(login.pending.userCode))
      yield* TestClock.adjust("5 seconds")
      const completion = yield* Effect.fork(login.completion)
      // The login is now at the lock (or, writing without it, already done): let the refresh finish first.
      yield* Effect.raceFirst(Deferred.await(loginAtLock), Fiber.await(completion))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(refresh)
      const token = yield* Fiber.join(completion)
      assert.deepStrictEqual(
        yield* storedAccess("work").pipe(Effect.provideService(TokenStore.TokenStore, memory)),
        Option.some(Redacted.value(token.accessToken))
      )
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.scoped("cancel interrupts the polling; nothing is stored", () =>
    Effect.gen(function* () {
      const { client } = yield* deviceApp()
      const login = yield* Login.device({ profile: "work", client })
      const waiting = yield* Effect.fork(login.completion)
      yield* login.cancel
      yield* TestClock.adjust("1 minute")
      assert.isTrue((yield* Fiber.await(waiting))._tag === "Failure")
      assert.isTrue(Option.isNone(yield* storedAccess("work")))
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("Login.pkce", () => {
  it.live(
    "completes end to end in headless Chromium against the consent page",
    () =>
      Effect.gen(function* () {
        const { client } = yield* pkceApp()
        const page = yield* Chromium.page
        const visited = yield* Deferred.make<void>()
        // The "system browser" is Chromium: it follows the authorize URL to the consent page and approves.
        const chromium = Layer.succeed(Browser.Browser, {
          open: (url) =>
            Effect.promise(async () => {
              await page.goto(url)
              await page.click("#approve")
              await page.waitForURL(/127\.0\.0\.1:\d+\/callback/)
            }).pipe(Effect.zipRight(Deferred.succeed(visited, undefined)), Effect.asVoid)
        })
        const login = yield* Login.pkce({ profile: "browser", client }).pipe(Effect.provide(chromium))
        assert.strictEqual(login.pending.flow, "pkce")
        assert.isTrue(Option.isNone(login.pending.userCode))
        const token = yield* login.completion
        yield* Deferred.await(visited)
        assert.include(yield* Effect.promise(() => page.content()), "close this tab")
        assert.strictEqual(token.flow, "pkce")
        assert.deepStrictEqual(yield* storedAccess("browser"), Option.some(Redacted.value(token.accessToken)))
      }).pipe(Effect.provide(TestLayer), Effect.scoped),
    60_000
  )

  it.live("a denial on the consent page fails the login with AccessDenied", () =>
    Effect.gen(function* () {
      const { emulator, client } = yield* pkceApp()
      const login = yield* Login.pkce({ profile: "denied", client, openBrowser: false })
      // No browser here: the user would open pending.verificationUrl by hand.
      const redirect = yield* emulator.authorize(login.pending.verificationUrl, "deny")
      yield* Effect.promise(() => fetch(redirect))
      assert.strictEqual((yield* Effect.flip(login.completion))._tag, "AccessDenied")
    }).pipe(Effect.provide(TestLayer), Effect.provide(Browser.layerUnavailable), Effect.scoped)
  )
})
