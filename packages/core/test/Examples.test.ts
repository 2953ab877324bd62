// Runs every example of docs/flows against the emulator, and checks each page still shows its file verbatim.

import { readFileSync } from "node:fs"
import { EmulatorClient } from "@coze-auth/emulator/EmulatorClient"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Queue } from "effect"
import * as Device from "../examples/device.js"
import * as Jwt from "../examples/jwt.js"
import * as Pkce from "../examples/pkce.js"
import * as TokenExample from "../examples/token.js"
import * as Web from "../examples/web.js"
import { rsaKeys, TestEmulator } from "./utils/index.js"

const redirectUri = "http://127.0.0.1:3000/callback"
const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")

/** Runs `effect` with the env of an emulator app. */
const withEnv = (entries: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

/** Console lines, as the user would see them. */
const capturingConsole = <A, E, R>(effect: Effect.Effect<A, E, R>, lines: Queue.Queue<string>) =>
  Effect.consoleWith((console) =>
    Effect.withConsole(effect, {
      ...console,
      log: (...args: ReadonlyArray<unknown>) => Queue.offer(lines, args.map(String).join(" "))
    })
  )

describe("examples", () => {
  for (const flow of ["token", "web", "pkce", "device", "jwt"]) {
    it(`docs/flows/${flow}.md shows examples/${flow}.ts verbatim`, () => {
      assert.include(read(`../../../docs/flows/${flow}.md`), read(`../examples/${flow}.ts`))
    })
  }

  it.effect("token", () =>
    Effect.gen(function* () {
      const token = yield* TokenExample.program.pipe(withEnv({ COZE_API_TOKEN: "pat_example" }))
      assert.strictEqual(token.flow, "token")
    })
  )

  it.live("web", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "web", redirect_uris: [redirectUri] })
      const token = yield* Web.program((url) => emulator.authorize(url, "approve")).pipe(
        withEnv({
          COZE_API_BASE: emulator.url,
          COZE_WEB_OAUTH_CLIENT_ID: app.client_id,
          COZE_WEB_OAUTH_CLIENT_SECRET: app.client_secret!,
          COZE_WEB_OAUTH_REDIRECT_URI: redirectUri
        })
      )
      assert.strictEqual(token.flow, "web")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.live("pkce", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "pkce", redirect_uris: [redirectUri] })
      const token = yield* Pkce.program((url) => emulator.authorize(url, "approve")).pipe(
        withEnv({
          COZE_API_BASE: emulator.url,
          COZE_PKCE_OAUTH_CLIENT_ID: app.client_id,
          COZE_PKCE_OAUTH_REDIRECT_URI: redirectUri
        })
      )
      assert.strictEqual(token.flow, "pkce")
    }).pipe(Effect.provide(TestEmulator()))
  )

  it.live("device", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const app = yield* emulator.createApp({ type: "device" })
      const lines = yield* Queue.unbounded<string>()
      const fiber = yield* capturingConsole(Device.program, lines).pipe(
        withEnv({ COZE_API_BASE: emulator.url, COZE_DEVICE_OAUTH_CLIENT_ID: app.client_id }),
        Effect.fork
      )
      const open = yield* Queue.take(lines)
      const userCode = new URL(open.split(" ")[1]!).searchParams.get("user_code")!
      yield* emulator.approveDevice(userCode)
      const token = yield* fiber.await.pipe(Effect.flatten)
      assert.strictEqual(token.flow, "device")
    }).pipe(Effect.provide(TestEmulator({ interval: 1 })))
  )

  it.live("jwt", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const keys = rsaKeys()
      const app = yield* emulator.createApp({ type: "jwt", public_key_pem: keys.publicPem })
      const token = yield* Jwt.program.pipe(
        withEnv({
          COZE_API_BASE: emulator.url,
          COZE_JWT_OAUTH_CLIENT_ID: app.client_id,
          COZE_JWT_OAUTH_PUBLIC_KEY_ID: app.public_key_id!,
          COZE_JWT_OAUTH_PRIVATE_KEY: keys.pkcs8
        })
      )
      assert.strictEqual(token.flow, "jwt")
    }).pipe(Effect.provide(TestEmulator()))
  )
})
