import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Credentials from "@coze-auth/core/Credentials"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FileTokenStore from "../src/FileTokenStore.js"
import { deviceApp, TestEmulator } from "./utils/emulator.js"
import { lines, spawnFixture } from "./utils/processes.js"

// The issue asks for 30 s: with 2-second tokens that is ~15 expiry windows, the only long test of the
// package (the SIGKILL test is next at ~30 s). Override with COZE_AUTH_SHARE_SECONDS.
const seconds = Number(process.env.COZE_AUTH_SHARE_SECONDS ?? 30)
const processes = 4

interface Report {
  readonly calls: number
  readonly failures: ReadonlyArray<string>
  readonly distinct: number
}

const runWorker = (args: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    let report: Report | undefined
    const code = await lines(spawnFixture("worker", args), (line) => {
      report = JSON.parse(line)
    })
    return { code, report }
  })

describe("four processes sharing one file store", () => {
  it.live(
    `call token for ${seconds} s on 2-second tokens with rotating refresh tokens`,
    () =>
      Effect.gen(function* () {
        const home = yield* Effect.acquireRelease(
          Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-share-"))),
          (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
        )
        const { emulator, app, client: device } = yield* deviceApp()
        const code = yield* device.deviceCode()
        yield* emulator.approveDevice(code.userCode)
        const store = yield* FileTokenStore.make({ home })
        yield* store.set("default", yield* device.poll(code))

        // Workers need a second or two to start; they all stop at the same instant.
        const deadline = Date.now() + 3_000 + seconds * 1000
        const args = [home, emulator.url, app.client_id, String(deadline)]
        const results = yield* Effect.all(
          Array.from({ length: processes }, () => runWorker(args)),
          { concurrency: "unbounded" }
        )

        const refreshes = (yield* emulator.requests).filter((r) => r.grant_type === "refresh_token")
        for (const { code, report } of results) {
          assert.strictEqual(code, 0)
          assert.deepStrictEqual(report?.failures, [], "no invalid_grant, no NotAuthenticated")
          assert.isAbove(report?.calls ?? 0, seconds * 10)
        }
        assert.deepStrictEqual(
          refreshes.filter((r) => r.status !== 200),
          [],
          "every refresh succeeded"
        )
        // Coze's expires_in is whole seconds, so windows last 1–2 s plus the renewal itself, which a loaded
        // machine (two cores, several suites) stretches: about one refresh per window, never many.
        assert.isAtLeast(refreshes.length, Math.floor(seconds / 4))
        assert.isAtMost(refreshes.length, seconds + 3)

        // The session survived: the stored credential still refreshes.
        const credentials = yield* Credentials.make({
          profile: "default",
          source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
        }).pipe(Effect.provideService(TokenStore.TokenStore, store))
        yield* credentials.refresh
      }).pipe(Effect.provide(TestEmulator({ accessTokenTtl: 2 })), Effect.scoped),
    (seconds + 60) * 1000
  )
})
