// A device login on the emulator (a refresh token to rotate from), and Credentials over it in a memory store.
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import type { Token } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import type * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import type { HttpClient } from "@effect/platform"
import { Effect } from "effect"

/** A new device app, approved: its flow (over the HttpClient in context) and its first token. */
export const deviceLogin = (
  emulator: EmulatorClient.Service
): Effect.Effect<
  { readonly clientId: string; readonly flow: DeviceOAuth.Service; readonly token: Token },
  unknown,
  HttpClient.HttpClient
> =>
  Effect.gen(function* () {
    const app = yield* emulator.createApp({ type: "device" })
    const flow = yield* DeviceOAuth.make({ clientId: app.client_id, region: Region.custom({ apiBase: emulator.url }) })
    const code = yield* flow.deviceCode()
    yield* emulator.approveDevice(code.userCode)
    return { clientId: app.client_id, flow, token: yield* flow.poll(code) }
  })

/** Credentials renewing `token` with `flow`, in a memory store. */
export const memoryCredentials = (
  flow: DeviceOAuth.Service,
  token: Token
): Effect.Effect<Credentials.Service, unknown> =>
  Effect.gen(function* () {
    const store = yield* TokenStore.makeMemory
    yield* store.set("bench", token)
    return yield* Credentials.make({
      profile: "bench",
      source: Credentials.Source.Refreshable({ flow: "device", refresh: flow.refresh })
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))
  })
