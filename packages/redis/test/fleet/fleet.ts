// A fleet against one Redis: `machines` process groups, each with its own COZE_AUTH_HOME (no shared files),
// `perMachine` worker processes each, the emulator in its own process issuing 2-second tokens with rotating
// refresh tokens, and faults on a timeline: Redis SIGKILLed and started again, the process in the middle of
// a refresh SIGKILLed, a process in the middle of a refresh SIGSTOPped past its lease. Used by the short
// stress test (npm test) and by bench/fleet (long).
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import * as TokenSeal from "@coze-auth/core/TokenSeal"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { Deferred, Duration, Effect, Redacted } from "effect"
import { build } from "esbuild"
import { startRedisServer } from "../../../../scripts/ensure-redis.mjs"
import * as RedisTokenStore from "../../src/RedisTokenStore.js"

const emulatorBin = fileURLToPath(new URL("../../../emulator/dist/bin.js", import.meta.url))

export interface Options {
  readonly seconds: number
  readonly machines?: number
  readonly perMachine?: number
  /** The lease the workers use (COZE_AUTH_REDIS_LEASE). */
  readonly lease?: Duration.DurationInput
  /** How long each refresh waits before going to the emulator: the window in which faults strike. */
  readonly slowRefreshMillis?: number
  /** Seconds after the start: Redis is SIGKILLed (and started again `redisDownMillis` later). */
  readonly restartRedisAt?: number
  readonly redisDownMillis?: number
  /** Seconds after the start: the next process to start a refresh is SIGKILLed. */
  readonly killRefresherAt?: number
  /** Seconds after the start: the next process to start a refresh is SIGSTOPped for `stallMillis`. */
  readonly stallRefresherAt?: number
  readonly stallMillis?: number
}

export interface WorkerReport {
  readonly calls: number
  readonly ok: number
  readonly failures: Readonly<Record<string, number>>
  readonly distinct: number
}

export interface Report {
  readonly workers: ReadonlyArray<{
    readonly machine: number
    readonly code: number | null
    readonly killed: boolean
    readonly report: WorkerReport | undefined
  }>
  /** Token requests with grant_type=refresh_token, by answer. */
  readonly refreshes: { readonly ok: number; readonly failed: number }
  /** Whether the stored credential still refreshes after the run: the session was not lost. */
  readonly sessionAlive: boolean
  /** The fault timeline, as it happened (seconds after the start). */
  readonly events: ReadonlyArray<string>
  readonly seconds: number
}

const scoped = <A>(acquire: () => Promise<A>, release: (a: A) => Promise<unknown>) =>
  Effect.acquireRelease(Effect.promise(acquire), (a) => Effect.promise(() => release(a)))

const stopped = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

/** The emulator's own bin in its own process; resolves with its URL once it prints it. */
const startEmulator = (ttl: number) =>
  scoped(
    () =>
      new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [emulatorBin, "--port", "0", "--access-token-ttl", String(ttl)], {
          stdio: ["ignore", "pipe", "ignore"]
        })
        child.once("exit", (code) => reject(new Error(`the emulator exited (${code}); is packages/emulator built?`)))
        createInterface({ input: child.stdout! }).on("line", (line) => {
          const url = /listening on (\S+)/.exec(line)?.[1]
          if (url !== undefined) resolve({ child, url })
        })
      }),
    ({ child }) => stopped(child)
  )

/** The worker bundled into one file: it starts in a fraction of tsx's time. */
const bundleWorker = (dir: string) =>
  Effect.promise(async () => {
    const outfile = path.join(dir, "worker.cjs")
    await build({
      entryPoints: [fileURLToPath(new URL("worker.ts", import.meta.url))],
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      logLevel: "error"
    })
    return outfile
  })

export const run = (options: Options): Effect.Effect<Report> =>
  Effect.gen(function* () {
    const machines = options.machines ?? 3
    const perMachine = options.perMachine ?? 2
    const lease = Duration.decode(options.lease ?? "2 seconds")
    const dir = yield* scoped(
      () => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-fleet-")),
      (dir) => fs.rm(dir, { recursive: true, force: true })
    )
    const redis = yield* scoped(
      () => startRedisServer({ persistent: true }),
      (server) => server.stop()
    )
    const emulator = yield* startEmulator(2)
    const key = yield* TokenSeal.generateKey
    const workerJs = yield* bundleWorker(dir)

    // Log in once, as a user would on one machine; every process of every machine then shares it.
    const control = yield* EmulatorClient.make(emulator.url)
    const app = yield* control.createApp({ type: "device" })
    const device = yield* DeviceOAuth.make({
      clientId: app.client_id,
      region: Region.custom({ apiBase: emulator.url })
    })
    const store = yield* RedisTokenStore.make({ url: Redacted.make(redis.url), key, lease }).pipe(Effect.orDie)
    const code = yield* device.deviceCode().pipe(Effect.orDie)
    yield* control.approveDevice(code.userCode)
    yield* store.set("default", yield* device.poll(code).pipe(Effect.orDie)).pipe(Effect.orDie)

    const start = Date.now() + 2_000 // the workers need a moment to start
    const deadline = start + options.seconds * 1000
    const events: Array<string> = []
    const note = (what: string) => events.push(`${((Date.now() - start) / 1000).toFixed(1)} s: ${what}`)
    const refreshing = new Set<(child: ChildProcess) => void>()

    const homes = Array.from({ length: machines }, (_, machine) => path.join(dir, `machine-${machine}`))
    yield* Effect.promise(() => Promise.all(homes.map((home) => fs.mkdir(home))))
    const workers = Array.from({ length: machines * perMachine }, (_, i) => {
      const machine = Math.floor(i / perMachine)
      const home = homes[machine]
      const child = spawn(
        process.execPath,
        [workerJs, emulator.url, app.client_id, String(deadline), String(options.slowRefreshMillis ?? 0)],
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: {
            ...process.env,
            COZE_AUTH_HOME: home,
            COZE_AUTH_STORE: redis.url,
            COZE_AUTH_STORE_KEY: Redacted.value(key),
            COZE_AUTH_REDIS_LEASE: `${Duration.toMillis(lease)} millis`
          }
        }
      )
      const worker = { machine, child, killed: false, report: undefined as WorkerReport | undefined, stderr: "" }
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        worker.stderr += chunk
      })
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const message = JSON.parse(line) as WorkerReport | { event: string }
        if ("event" in message) for (const listener of refreshing) listener(child)
        else worker.report = message
      })
      return worker
    })
    yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all(workers.map(({ child }) => stopped(child)))))

    /** The next worker that starts a refresh after `at` seconds. */
    const nextRefresher = (at: number) =>
      Effect.gen(function* () {
        yield* Effect.sleep(Duration.millis(Math.max(0, start + at * 1000 - Date.now())))
        const found = yield* Deferred.make<ChildProcess>()
        const listener = (child: ChildProcess) => Deferred.unsafeDone(found, Effect.succeed(child))
        refreshing.add(listener)
        const child = yield* Deferred.await(found)
        refreshing.delete(listener)
        return workers.find((worker) => worker.child === child)!
      })

    const faults: Array<Effect.Effect<void>> = []
    if (options.restartRedisAt !== undefined) {
      const at = options.restartRedisAt
      faults.push(
        Effect.gen(function* () {
          yield* Effect.sleep(Duration.millis(Math.max(0, start + at * 1000 - Date.now())))
          yield* Effect.promise(() => redis.kill())
          note("Redis SIGKILLed")
          yield* Effect.sleep(Duration.millis(options.redisDownMillis ?? 1500))
          yield* Effect.promise(() => redis.start())
          note("Redis started again")
        })
      )
    }
    if (options.killRefresherAt !== undefined) {
      faults.push(
        Effect.flatMap(nextRefresher(options.killRefresherAt), (worker) =>
          Effect.sync(() => {
            worker.killed = true
            worker.child.kill("SIGKILL")
            note(`SIGKILLed a process of machine ${worker.machine} in the middle of its refresh`)
          })
        )
      )
    }
    if (options.stallRefresherAt !== undefined) {
      faults.push(
        Effect.gen(function* () {
          const worker = yield* nextRefresher(options.stallRefresherAt!)
          worker.child.kill("SIGSTOP")
          note(`SIGSTOPped a process of machine ${worker.machine} in the middle of its refresh`)
          yield* Effect.sleep(Duration.millis(options.stallMillis ?? Duration.toMillis(lease) * 2))
          worker.child.kill("SIGCONT")
          note("SIGCONT: the stalled process goes on, its lease long gone")
        })
      )
    }
    yield* Effect.all(faults, { concurrency: "unbounded", discard: true })
    const codes = yield* Effect.promise(() =>
      Promise.all(
        workers.map(
          ({ child }) =>
            new Promise<number | null>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
              child.once("exit", (code) => resolve(code))
            })
        )
      )
    )

    const refreshes = (yield* control.requests).filter((request) => request.grant_type === "refresh_token")
    // The session survived if the stored credential still refreshes.
    const credentials = yield* Credentials.make({
      profile: "default",
      source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))
    const sessionAlive = yield* credentials.refresh.pipe(
      Effect.retry({ times: 20, while: (error) => error._tag === "TokenStoreError" }),
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    )
    for (const worker of workers) {
      if (worker.report === undefined && !worker.killed) process.stderr.write(worker.stderr)
    }
    return {
      workers: workers.map((worker, i) => ({
        machine: worker.machine,
        code: codes[i] ?? null,
        killed: worker.killed,
        report: worker.report
      })),
      refreshes: {
        ok: refreshes.filter((r) => r.status === 200).length,
        failed: refreshes.filter((r) => r.status !== 200).length
      },
      sessionAlive,
      events,
      seconds: options.seconds
    }
  }).pipe(Effect.provide(FetchHttpClient.layer), Effect.scoped)
