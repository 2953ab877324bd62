// Other processes waiting under the file store's lock while one process refreshes (FileTokenStore): how long
// after the renewed credential is written they have it. The refresh runs in this process with 50 ms of
// simulated network latency (a real-time wait before each request leaves), against the emulator in its own
// process; three waiter processes (bench/lock/waiter.ts) are told to ask for a renewed token once this
// process holds the lock. Every round sends exactly one refresh request: the waiters take the new token
// from the store. A waiter wakes when the lock's directory changes (FileTokenStore watches it); the waiters
// then take the lock one after another, so the first and the last to have the token are shown apart.

import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as FileTokenStore from "@coze-auth/node/FileTokenStore"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { Effect, ManagedRuntime } from "effect"
import * as Emulator from "../shared/emulator.js"
import { median, quantile, quick } from "../shared/measure.js"
import { hashOf } from "./hash.js"

const rounds = quick ? 4 : 20
const waiters = 3
const latencyMs = 50
const now = () => performance.timeOrigin + performance.now()

const runtime = ManagedRuntime.make(Emulator.layer())
const emulator = await runtime.runPromise(EmulatorClient.EmulatorClient)
const home = mkdtempSync(path.join(os.tmpdir(), "coze-auth-bench-lock-"))

let lockedAt = 0
let writtenAt = 0
let releasedAt = 0
const children: Array<ChildProcess> = []
const lines: Array<AsyncIterator<string>> = []

const setup = Effect.gen(function* () {
  const app = yield* emulator.createApp({ type: "device" })
  const region = Region.custom({ apiBase: emulator.url })
  const client = yield* HttpClient.HttpClient
  const slow = HttpClient.transform(client, (request) => Effect.zipRight(Effect.sleep(latencyMs), request))
  const flow = yield* DeviceOAuth.make({ clientId: app.client_id, region }).pipe(
    Effect.provideService(HttpClient.HttpClient, slow)
  )
  const code = yield* flow.deviceCode()
  yield* emulator.approveDevice(code.userCode)
  const files = yield* FileTokenStore.make({ home })
  yield* files.set("bench", yield* flow.poll(code))
  // The same store, noting when the lock is held (then the waiters are told to go) and when the write is done.
  const store: TokenStore.Service = {
    ...files,
    set: (profile, token) =>
      Effect.tap(files.set(profile, token), () => {
        writtenAt = now()
      }),
    withLock: (profile, effect) =>
      files
        .withLock(
          profile,
          Effect.zipRight(
            Effect.sync(() => {
              lockedAt = now()
              for (const child of children) child.stdin!.write("go\n")
            }),
            effect
          )
        )
        .pipe(
          Effect.ensuring(
            Effect.sync(() => {
              releasedAt = now()
            })
          )
        )
  }
  const credentials = yield* Credentials.make({
    profile: "bench",
    source: Credentials.Source.Refreshable({ flow: "device", refresh: flow.refresh })
  }).pipe(Effect.provideService(TokenStore.TokenStore, store))
  yield* credentials.token()
  return { app, credentials }
}).pipe(Effect.provide(FetchHttpClient.layer))

const { app, credentials } = await Effect.runPromise(setup)
const waiterTs = fileURLToPath(new URL("./waiter.ts", import.meta.url))
for (let i = 0; i < waiters; i++) {
  const child = spawn(process.execPath, ["--import", "tsx", waiterTs, home, emulator.url, app.client_id], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["pipe", "pipe", "inherit"]
  })
  children.push(child)
  const iterator = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  lines.push(iterator)
  if ((await iterator.next()).value !== "ready") throw new Error("a waiter did not start")
}

const refreshCount = Effect.map(
  emulator.requests,
  (requests) => requests.filter((request) => request.grant_type === "refresh_token").length
)
const refreshMs: Array<number> = []
const lagMs: Array<number> = []
const waitMs: Array<number> = []
// The waiters take the lock one after another (each re-reads under it), so the first to have the token
// shows how soon a release wakes a waiter, the last what the queue behind it adds.
const firstLagMs: Array<number> = []
const lastLagMs: Array<number> = []
const releaseMs: Array<number> = []
const requestsPerRound = new Set<number>()
for (let round = 0; round < rounds; round++) {
  const before = await runtime.runPromise(refreshCount)
  const renewed = await Effect.runPromise(credentials.refresh)
  const answers = await Promise.all(lines.map(async (line) => JSON.parse((await line.next()).value)))
  requestsPerRound.add((await runtime.runPromise(refreshCount)) - before)
  refreshMs.push(writtenAt - lockedAt)
  const lags = answers.map((answer) => answer.done - writtenAt).sort((a, b) => a - b)
  firstLagMs.push(lags[0]!)
  releaseMs.push(releasedAt - writtenAt)
  lastLagMs.push(lags[lags.length - 1]!)
  for (const answer of answers) {
    if (answer.hash !== hashOf(renewed.accessToken)) throw new Error("a waiter did not get the renewed token")
    lagMs.push(answer.done - writtenAt)
    waitMs.push(answer.done - answer.start)
  }
}
for (const child of children) {
  child.stdin!.end()
  await once(child, "exit")
}
rmSync(home, { recursive: true, force: true })
await runtime.dispose()

const range = (values: ReadonlyArray<number>) =>
  `median ${median(values).toFixed(1)} ms, p90 ${quantile(values, 0.9).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`
console.log(`${rounds} rounds, ${waiters} waiter processes, ${latencyMs} ms of simulated latency per request`)
console.log(`  the refresh, lock taken to credential written       ${range(refreshMs)}`)
console.log(`  a waiter, from asking to having the new token       ${range(waitMs)}`)
console.log(`  a waiter, from the write to having the new token    ${range(lagMs)}`)
console.log(`    the holder's release of the lock, after the write ${range(releaseMs)}`)
console.log(`    the first of the ${waiters} waiters to have it            ${range(firstLagMs)}`)
console.log(`    the last of the ${waiters}                               ${range(lastLagMs)}`)
console.log(
  `  → lag after the write: median ${median(lagMs).toFixed(1)} ms (target ≤ 20 ms ${median(lagMs) <= 20 ? "met" : "MISSED"}); refresh requests per round: ${[...requestsPerRound].join("/")} (target 1)`
)
