import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as PkceOAuth from "@coze-auth/core/PkceOAuth"
import * as Region from "@coze-auth/core/Region"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"

/** An emulator on a free port, its control client and a fetch HttpClient. */
export const TestEmulator = (options?: Partial<Emulator.Options>) =>
  EmulatorClient.layer.pipe(
    Layer.provideMerge(Emulator.layer({ port: 0, ...options })),
    Layer.provideMerge(FetchHttpClient.layer)
  )

/** A new app of `type` on the emulator in context, with its client flow. */
const appClient =
  <S>(
    type: "device" | "pkce",
    make: (options: { clientId: string; region: Region.Region }) => Effect.Effect<S, never, never>
  ) =>
  () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient.EmulatorClient
      const app = yield* emulator.createApp({ type })
      const client = yield* make({ clientId: app.client_id, region: Region.custom({ apiBase: emulator.url }) })
      return { emulator, app, client }
    })

export const deviceApp = appClient("device", (options) =>
  Effect.provide(DeviceOAuth.make(options), FetchHttpClient.layer)
)

export const pkceApp = appClient("pkce", (options) => Effect.provide(PkceOAuth.make(options), FetchHttpClient.layer))
