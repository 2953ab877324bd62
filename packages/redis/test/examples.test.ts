import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import * as FleetLogin from "../examples/fleet-login.js"
import { redisUrl, skipReason, testKey } from "./utils/redis.js"

describe.skipIf(skipReason !== "")(`examples ${skipReason}`, () => {
  it.live("fleet-login: the first machine logs in, the second finds the login in Redis", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient.EmulatorClient
      const app = yield* emulator.createApp({ type: "device" })
      const machine = (name: string) =>
        Effect.gen(function* () {
          const home = yield* Effect.acquireRelease(
            Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), `coze-auth-${name}-`))),
            (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
          )
          return ConfigProvider.fromMap(
            new Map([
              ["COZE_API_BASE", emulator.url],
              ["COZE_DEVICE_OAUTH_CLIENT_ID", app.client_id],
              ["COZE_AUTH_HOME", home],
              // The Redis and the key every machine shares.
              ["COZE_AUTH_STORE", redisUrl],
              ["COZE_AUTH_STORE_KEY", Redacted.value(testKey)]
            ])
          )
        })
      const run = (env: ConfigProvider.ConfigProvider, present: FleetLogin.Present) =>
        FleetLogin.program(present).pipe(Effect.provide(FleetLogin.MainLayer), Effect.withConfigProvider(env))
      const first = yield* run(yield* machine("first"), (pending) =>
        emulator.approveDevice(Option.getOrThrow(pending.userCode))
      )
      assert.strictEqual((first as { code: number }).code, 0)
      const second = yield* run(yield* machine("second"), () => Effect.die("the second machine must not log in"))
      assert.deepStrictEqual(second, first)
    }).pipe(
      Effect.provide(
        EmulatorClient.layer.pipe(
          Layer.provideMerge(Emulator.layer({ port: 0, interval: 1 })),
          Layer.provideMerge(FetchHttpClient.layer)
        )
      ),
      Effect.scoped
    )
  )
})
