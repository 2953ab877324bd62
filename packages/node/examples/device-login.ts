/**
 * Log in once with the device flow, then call the Coze API with a token that stays valid: refreshed before
 * it expires, once, and shared with every other process using the same COZE_AUTH_HOME.
 *
 *   COZE_API_BASE=https://api.coze.cn COZE_DEVICE_OAUTH_CLIENT_ID=… npx tsx examples/device-login.ts
 *
 * Try it offline against the emulator: `pnpm emulator --port 8787`, create a device app with
 * `curl -XPOST localhost:8787/__emulator/apps -d '{"type":"device"}'`, and set COZE_API_BASE=http://127.0.0.1:8787.
 */

import { pathToFileURL } from "node:url"
import * as AuthHttpClient from "@coze-auth/core/AuthHttpClient"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import { TokenStore } from "@coze-auth/core/TokenStore"
import * as FileTokenStore from "@coze-auth/node/FileTokenStore"
import * as Login from "@coze-auth/node/Login"
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect, Layer, Option } from "effect"

const profile = "default"

const fail = () => {
  process.exitCode = 1
}

/** Shows the user where to approve; a GUI would render a QR code, a CLI prints it. */
export type Present = (pending: Login.PendingLogin) => Effect.Effect<void>

const printPending: Present = (pending) =>
  Console.log(`Open ${pending.verificationUrl} and approve (code ${Option.getOrElse(pending.userCode, () => "-")})`)

/** Logs in when the profile has no credential yet, then asks Coze who we are. */
export const program = (present: Present = printPending) =>
  Effect.gen(function* () {
    const store = yield* TokenStore
    if (Option.isNone(yield* store.get(profile))) {
      const device = yield* DeviceOAuth.DeviceOAuth
      const login = yield* Login.device({ profile, client: device })
      yield* present(login.pending)
      yield* login.completion
    }
    const client = yield* AuthHttpClient.CozeHttpClient
    const response = yield* client.get("/v1/users/me")
    return yield* response.json
  }).pipe(Effect.scoped)

/** Device flow and region from the environment, tokens in COZE_AUTH_HOME, an authenticated client on top. */
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
  Layer.provideMerge(FileTokenStore.layerConfig()),
  Layer.provideMerge(FetchHttpClient.layer)
)

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  program().pipe(
    Effect.flatMap(Console.log),
    Effect.provide(MainLayer),
    // Every expected failure is a typed error with a one-line message saying what to do.
    Effect.catchAll((error) => Effect.zipRight(Console.error(`coze-auth: ${error.message}`), Effect.sync(fail))),
    Effect.runPromise
  )
}
