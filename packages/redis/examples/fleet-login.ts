/**
 * One login for a whole fleet: every machine runs this with the same Redis and key, and its own
 * COZE_AUTH_HOME. The first one logs in with the device flow; every other machine finds the credential in
 * Redis, and they all refresh it once per expiry, for everyone.
 *
 *   export COZE_AUTH_STORE=redis://127.0.0.1:6379 COZE_AUTH_STORE_KEY="$(openssl rand -base64 32)"
 *   COZE_API_BASE=https://api.coze.cn COZE_DEVICE_OAUTH_CLIENT_ID=… npx tsx examples/fleet-login.ts
 *
 * Offline: `pnpm emulator --port 8787`, a device app from
 * `curl -XPOST localhost:8787/__emulator/apps -d '{"type":"device"}'`, and COZE_API_BASE=http://127.0.0.1:8787.
 */

import { pathToFileURL } from "node:url"
import * as AuthHttpClient from "@coze-auth/core/AuthHttpClient"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import { TokenStore } from "@coze-auth/core/TokenStore"
import * as Login from "@coze-auth/node/Login"
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect, Layer, Option } from "effect"
import * as RedisTokenStore from "../src/RedisTokenStore.js"

const profile = "default"

/** Shows the user where to approve. */
export type Present = (pending: Login.PendingLogin) => Effect.Effect<void>

const printPending: Present = (pending) =>
  Console.log(`Open ${pending.verificationUrl} and approve (code ${Option.getOrElse(pending.userCode, () => "-")})`)

/** Logs in when no machine has yet, then asks Coze who we are. */
export const program = (present: Present = printPending) =>
  Effect.gen(function* () {
    const store = yield* TokenStore
    if (Option.isNone(yield* store.get(profile))) {
      const login = yield* Login.device({ profile, client: yield* DeviceOAuth.DeviceOAuth })
      yield* present(login.pending)
      yield* login.completion
    }
    const client = yield* AuthHttpClient.CozeHttpClient
    return yield* Effect.flatMap(client.get("/v1/users/me"), (response) => response.json)
  }).pipe(Effect.scoped)

/** The device flow from the environment, the Redis store from COZE_AUTH_STORE and COZE_AUTH_STORE_KEY. */
export const MainLayer = Layer.unwrapEffect(
  Effect.map(DeviceOAuth.DeviceOAuth, (device) =>
    AuthHttpClient.layer({ region: device.region }).pipe(
      Layer.provideMerge(
        Credentials.layer({
          profile,
          source: Credentials.Source.Refreshable({ flow: "device", refresh: device.refresh })
        })
      )
    )
  )
).pipe(
  Layer.provideMerge(DeviceOAuth.layerConfig()),
  Layer.provideMerge(RedisTokenStore.layerConfig()),
  Layer.provideMerge(FetchHttpClient.layer)
)

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  program().pipe(
    Effect.flatMap(Console.log),
    Effect.provide(MainLayer),
    // A missing key, Redis down, a wrong key: each is a typed error with a one-line message.
    Effect.catchAll((error) =>
      Effect.zipRight(
        Console.error(`coze-auth: ${error.message}`),
        Effect.sync(() => {
          process.exitCode = 1
        })
      )
    ),
    Effect.runPromise
  )
}
