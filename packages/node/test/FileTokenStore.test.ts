import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as CozeError from "@coze-auth/core/CozeError"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { assert, describe, it } from "@effect/vitest"
import {
  Chunk,
  ConfigProvider,
  Deferred,
  Duration,
  Effect,
  Fiber,
  Logger,
  LogLevel,
  Option,
  Redacted,
  TestClock
} from "effect"
import * as FileTokenStore from "../src/FileTokenStore.js"
import { numberedToken } from "./fixtures/tokens.js"

const tempHome = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-store-"))),
  (home) => Effect.promise(() => fs.rm(home, { recursive: true, force: true }))
)

const storeIn = (home: string) => FileTokenStore.make({ home })

/** One turn of the event loop: real I/O (the lock's files) progresses, no time is guessed. */
const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Until a fiber sleeps on the TestClock (a lock waiter between tries); at most 100,000 turns of the loop. */
const waiting = Effect.gen(function* () {
  for (let i = 0; i < 100_000; i++) {
    if (Chunk.isNonEmpty(yield* TestClock.sleeps())) return
    yield* turn
  }
  return yield* Effect.dieMessage("no fiber ever waited on the TestClock")
})

/** Leaves `<profile>.json.lock` as a process killed while holding it would, last touched `age` ago. */
const deadLock = (store: TokenStore.Service, profile: string, age: number) =>
  Effect.promise(async () => {
    const lock = `${store.location(profile)}.lock`
    await fs.mkdir(path.dirname(lock), { recursive: true })
    await fs.mkdir(lock)
    const touched = new Date(Date.now() - age)
    await fs.utimes(lock, touched, touched)
  })

/** Holds `profile`'s lock in `store` (another process, as far as a second store knows) until `release`. */
const holding = (store: TokenStore.Service, profile: string) =>
  Effect.gen(function* () {
    const inside = yield* Deferred.make<void>()
    const leave = yield* Deferred.make<void>()
    const holder = yield* Effect.fork(
      store.withLock(profile, Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(leave)))
    )
    yield* Deferred.await(inside)
    return { holder, release: Deferred.succeed(leave, undefined) }
  })

/** proper-lockfile's `stale`: a lock untouched this long is taken over. */
const staleMillis = 10_000

const accessOf = (token: Option.Option<{ readonly accessToken: Redacted.Redacted }>) =>
  Option.getOrNull(Option.map(token, (t) => Redacted.value(t.accessToken)))

describe("FileTokenStore", () => {
  it.scoped("round-trips a token in <home>/tokens/<profile>.json, 0600 inside 0700", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const store = yield* storeIn(home)
      assert.isTrue(Option.isNone(yield* store.get("work")))
      yield* store.set("work", numberedToken(1))
      const file = path.join(home, "tokens", "work.json")
      assert.strictEqual(store.location("work"), file)
      assert.strictEqual(accessOf(yield* store.get("work")), "at-1")
      const [fileMode, dirMode] = yield* Effect.promise(() => Promise.all([fs.stat(file), fs.stat(path.dirname(file))]))
      assert.strictEqual(fileMode.mode & 0o777, 0o600)
      assert.strictEqual(dirMode.mode & 0o777, 0o700)
      const onDisk = JSON.parse(yield* Effect.promise(() => fs.readFile(file, "utf8")))
      assert.deepStrictEqual([onDisk.version, onDisk.profile, onDisk.token.accessToken], [1, "work", "at-1"])
      assert.isTrue(yield* store.remove("work"))
      assert.isFalse(yield* store.remove("work"))
      assert.isTrue(Option.isNone(yield* store.get("work")))
    })
  )

  it.scoped("a corrupt file is a TokenStoreError naming the file and what to do", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const store = yield* storeIn(home)
      yield* store.set("work", numberedToken(1))
      yield* Effect.promise(() => fs.writeFile(store.location("work"), '{"version":1,"tok'))
      const error = yield* Effect.flip(store.get("work"))
      assert.instanceOf(error, CozeError.TokenStoreError)
      assert.include(error.message, store.location("work"))
      assert.include(error.message, "log in again")
    })
  )

  it.scoped("any name a user can type is a profile, each in its own file inside tokens/", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const store = yield* storeIn(home)
      const names = ["国内", "my prod", "../evil", "a/b", ".hidden", "x".repeat(65), "ü".repeat(300), "%41", "A"]
      for (const [n, profile] of names.entries()) yield* store.set(profile, numberedToken(n))
      // Plain names keep the file name of earlier releases, so their token files stay valid.
      assert.strictEqual(store.location("work.prod"), path.join(home, "tokens", "work.prod.json"))
      for (const [n, profile] of names.entries()) {
        assert.strictEqual(accessOf(yield* store.get(profile)), `at-${n}`, profile)
        assert.strictEqual(path.dirname(store.location(profile)), path.join(home, "tokens"), profile)
      }
      const files = yield* Effect.promise(() => fs.readdir(path.join(home, "tokens")))
      assert.strictEqual(files.length, names.length)
      // A second store (another process) finds them under the same names.
      assert.strictEqual(accessOf(yield* (yield* storeIn(home)).get("国内")), "at-0")
    })
  )

  it.scoped("only an empty name or one with control characters is refused, with one line", () =>
    Effect.gen(function* () {
      const store = yield* storeIn(yield* tempHome)
      for (const profile of ["", "a\nb", "tab\there", "\u007f"]) {
        const error = yield* Effect.flip(store.set(profile, numberedToken(1)))
        assert.strictEqual(error._tag, "TokenStoreError")
        assert.match(error.message, /^invalid profile name .*; a profile name must not be empty/)
        assert.notInclude(error.message, "\n")
      }
    })
  )

  it.scoped("a write that fails says why only when the error code tells, and keeps the cause", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      // `tokens` is a file, not a directory: ENOTDIR / EEXIST, not a permission or disk problem.
      yield* Effect.promise(() => fs.writeFile(path.join(home, "tokens"), "not a directory"))
      const error = yield* Effect.flip((yield* storeIn(home)).set("work", numberedToken(1)))
      assert.strictEqual(error._tag, "TokenStoreError")
      assert.notMatch(error.message, /permission|free space|disk/)
      assert.match(error.message, /^cannot create .*tokens: E[A-Z]+/)
      assert.isDefined(error.cause)
      if (process.getuid?.() !== 0) {
        const locked = yield* tempHome
        yield* Effect.promise(() => fs.chmod(locked, 0o500))
        const denied = yield* Effect.flip((yield* storeIn(locked)).set("work", numberedToken(1)))
        assert.match(denied.message, /permission denied; check the permissions of .* \(COZE_AUTH_HOME\)/)
        yield* Effect.promise(() => fs.chmod(locked, 0o700))
      }
    })
  )

  it.scoped("leftovers of killed writers are removed when the store opens, writes or locks", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const tokens = path.join(home, "tokens")
      const store = yield* storeIn(home)
      yield* store.set("work", numberedToken(1))
      // A process that no longer exists (pid 2^22 + 1 is above Linux's pid_max), and write-file-atomic's
      // `<file>.<hash>` from an earlier release, a while ago.
      const dead = path.join(tokens, `work.json.${2 ** 22 + 1}.abcdef.tmp`)
      const legacy = path.join(tokens, "work.json.123456789")
      const leave = Effect.promise(async () => {
        await fs.writeFile(dead, "old secret")
        await fs.writeFile(legacy, "old secret")
        const old = new Date(Date.now() - 120_000)
        await fs.utimes(legacy, old, old)
      })
      const temporaries = Effect.promise(async () => (await fs.readdir(tokens)).filter((n) => n !== "work.json"))
      for (const sweep of [storeIn(home), store.set("work", numberedToken(2)), store.withLock("work", Effect.void)]) {
        yield* leave
        assert.strictEqual((yield* temporaries).length, 2)
        yield* sweep
        assert.deepStrictEqual(yield* temporaries, [])
      }
      assert.strictEqual(accessOf(yield* store.get("work")), "at-2")
    })
  )

  // On the TestClock: the waiter's retries sleep virtually, so "it found the lock held and waits" is an event
  // (a pending sleep), not a guess at how long it needs; the files are real.
  it.scoped("withLock excludes a second store on the same home (another process) until released", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const [a, b] = [yield* storeIn(home), yield* storeIn(home)]
      const { holder, release } = yield* holding(a, "work")
      const order: Array<string> = []
      const waiter = yield* Effect.fork(
        b.withLock(
          "work",
          Effect.sync(() => order.push("b"))
        )
      )
      // Three tries of the waiter, each refused while `a` holds the lock.
      for (let attempt = 0; attempt < 3; attempt++) {
        yield* waiting
        yield* TestClock.adjust("200 millis")
      }
      yield* waiting
      order.push("a releases")
      yield* release
      yield* Fiber.join(holder)
      yield* TestClock.adjust("200 millis")
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(order, ["a releases", "b"])
    })
  )

  // The clock never moves here, so the waiter's fallback tick never comes: only the release can wake it.
  it.scoped("a waiter takes the lock as soon as the holder releases it, without waiting for a retry tick", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const [a, b] = [yield* storeIn(home), yield* storeIn(home)]
      const { holder, release } = yield* holding(a, "work")
      const waiter = yield* Effect.fork(b.withLock("work", b.get("work")))
      yield* waiting // until the waiter has found the lock held and sleeps on its tick
      yield* a.set("work", numberedToken(7))
      yield* release
      yield* Fiber.join(holder)
      assert.strictEqual(accessOf(yield* Fiber.join(waiter)), "at-7")
    })
  )

  // Again no tick: the holder's write alone ends the wait, while the holder still has the lock.
  it.scoped("a waiter whose whileWaiting finds the holder's write is done at once, without the lock", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const [a, b] = [yield* storeIn(home), yield* storeIn(home)]
      const { holder, release } = yield* holding(a, "work")
      const ranLocked: Array<string> = []
      const waiter = yield* Effect.fork(
        b.withLock(
          "work",
          Effect.as(
            Effect.sync(() => ranLocked.push("b")),
            numberedToken(0)
          ),
          {
            whileWaiting: Effect.map(
              b.get("work"),
              Option.filter((token) => accessOf(Option.some(token)) === "at-8")
            )
          }
        )
      )
      yield* waiting
      yield* a.set("work", numberedToken(8))
      const found = yield* Fiber.join(waiter)
      assert.deepStrictEqual(ranLocked, [], "the waiter's locked effect never ran")
      assert.strictEqual(accessOf(Option.some(found)), "at-8")
      // The holder still has the lock: nobody else can take it yet.
      assert.isTrue(yield* Effect.promise(() => fs.stat(`${a.location("work")}.lock`).then(() => true)))
      yield* release
      yield* Fiber.join(holder)
    })
  )

  it.live("a lock left by a dead process is taken over once stale", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = yield* tempHome
        const store = yield* storeIn(home)
        yield* store.set("work", numberedToken(1))
        yield* deadLock(store, "work", 60_000)
        const value = yield* store.withLock("work", store.get("work"))
        assert.strictEqual(accessOf(value), "at-1")
      })
    )
  )

  it.live("a waiter that comes while a dead process's lock is still fresh keeps waiting until it goes stale", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* storeIn(yield* tempHome)
        yield* deadLock(store, "work", staleMillis - 1_000)
        const [elapsed] = yield* Effect.timed(store.withLock("work", Effect.void))
        assert.isAtLeast(Duration.toMillis(elapsed), 900)
      })
    )
  )

  it.live("waiting for a held lock fails after lockWait with a TokenStoreError naming the lock", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = yield* tempHome
        const store = yield* FileTokenStore.make({ home, lockWait: "300 millis" })
        yield* deadLock(store, "work", 0)
        const [elapsed, error] = yield* Effect.timed(Effect.flip(store.withLock("work", Effect.void)))
        assert.instanceOf(error, CozeError.TokenStoreError)
        assert.include(error.message, "within 300ms")
        assert.include(error.message, `${store.location("work")}.lock`)
        assert.isAtLeast(Duration.toMillis(elapsed), 300)
        assert.isBelow(Duration.toMillis(elapsed), 2_000)
      })
    )
  )

  it.live("a waiter can be interrupted while it waits, and leaves the lock alone", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* storeIn(yield* tempHome)
        yield* deadLock(store, "work", 0)
        const waiter = yield* Effect.fork(store.withLock("work", Effect.void))
        yield* Effect.sleep("200 millis")
        const [elapsed] = yield* Effect.timed(Fiber.interrupt(waiter))
        assert.isBelow(Duration.toMillis(elapsed), 500)
        yield* Effect.promise(() => fs.stat(`${store.location("work")}.lock`))
      })
    )
  )

  it.live(
    "a lock lost while held (taken over by another process) is logged as a warning",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* storeIn(yield* tempHome)
          const warned = yield* Deferred.make<string>()
          const warnings = Logger.make(({ logLevel, message }) => {
            if (logLevel === LogLevel.Warning) Deferred.unsafeDone(warned, Effect.succeed(String(message)))
          })
          const lock = `${store.location("work")}.lock`
          const warning = yield* store
            .withLock(
              "work",
              // Another process removes the lock; the holder notices on its next touch (every 5 s).
              Effect.zipRight(
                Effect.promise(() => fs.rm(lock, { recursive: true })),
                Deferred.await(warned)
              )
            )
            .pipe(Effect.provide(Logger.replace(Logger.defaultLogger, warnings)))
          assert.include(warning, `lost the lock on ${store.location("work")}`)
        })
      ),
    15_000
  )

  it.effect("layerConfig reads COZE_AUTH_HOME, else XDG_CONFIG_HOME", () =>
    Effect.gen(function* () {
      const locationWith = (env: ReadonlyArray<[string, string]>) =>
        Effect.map(TokenStore.TokenStore, (store) => store.location("p")).pipe(
          Effect.provide(FileTokenStore.layerConfig()),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(env)))
        )
      assert.strictEqual(
        yield* locationWith([
          ["COZE_AUTH_HOME", "/srv/auth"],
          ["XDG_CONFIG_HOME", "/xdg"]
        ]),
        "/srv/auth/tokens/p.json"
      )
      assert.strictEqual(yield* locationWith([["XDG_CONFIG_HOME", "/xdg"]]), "/xdg/coze-auth/tokens/p.json")
      assert.strictEqual(yield* locationWith([]), path.join(os.homedir(), ".config", "coze-auth", "tokens", "p.json"))
    })
  )
})
