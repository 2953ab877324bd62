import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option } from "effect"
import * as DeviceLogin from "../examples/device-login.js"
import { deviceApp, TestEmulator } from "./utils/emulator.js"

describe("examples", () => {
  it.live("device-login logs in once, then reuses the stored credential", () =>
    Effect.gen(function* () {
      const { emulator, app } = yield* deviceApp()
      const home = yield* Effect.acquireRelease(
        Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-example-"))),
        (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
      )
      const env = ConfigProvider.fromMap(
        new Map([
          ["COZE_API_BASE", emulator.url],
          ["COZE_DEVICE_OAUTH_CLIENT_ID", app.client_id],
          ["COZE_AUTH_HOME", home]
        ])
      )
      const run = (present: DeviceLogin.Present) =>
        DeviceLogin.program(present).pipe(Effect.provide(DeviceLogin.MainLayer), Effect.withConfigProvider(env))
      const approve: DeviceLogin.Present = (pending) => emulator.approveDevice(Option.getOrThrow(pending.userCode))
      const first = yield* run(approve)
      assert.strictEqual((first as { code: number }).code, 0)
      const second = yield* run(() => Effect.die("must not log in again"))
      assert.deepStrictEqual(second, first)
    }).pipe(Effect.provide(TestEmulator({ interval: 1 })), Effect.scoped)
  )
})
