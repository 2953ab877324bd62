/**
 * `--sandbox` (and the default when nothing at all is configured): an embedded Coze emulator with ready-made
 * apps, every profile pointed at it, tokens in memory. The whole product works offline on a fresh machine.
 */

import * as Region from "@coze-auth/core/Region"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as DemoApps from "@coze-auth/emulator/DemoApps"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Store from "@coze-auth/profiles/Store"
import { Effect, Layer, Option, Redacted } from "effect"

/** The banner's first line; tests and `npm start` find the emulator's URL in it. */
export const bannerPrefix = "coze-auth SANDBOX: embedded Coze emulator at "

const banner = (url: string, why: string) =>
  [
    `${bannerPrefix}${url}`,
    `coze-auth SANDBOX: ${why}, so nothing here talks to Coze: logins and tokens are the emulator's.`,
    "coze-auth SANDBOX: profiles default (device app), pkce (PKCE app) and jwt (service app); tokens live in memory.",
    `coze-auth SANDBOX: to approve a login, open the verification URL the login tool returns (the device page, ${url}/oauth/device) in a browser and press Approve.`,
    "coze-auth SANDBOX: for real Coze, pass COZE_API_TOKEN, COZE_DEVICE_OAUTH_CLIENT_ID, COZE_JWT_OAUTH_* or COZE_PKCE_OAUTH_* " +
      "to the server (an MCP client passes no environment unless told to), or write profiles.json (docs/mcp.md)."
  ].join("\n")

const specsOf = (apps: DemoApps.DemoApps, url: string): ReadonlyArray<ProfileSpec.ProfileSpec> => {
  const region = Region.custom({ apiBase: url, wwwBase: url })
  const base = { region, origin: "sandbox", sources: {} } as const
  return [
    { ...base, name: ProfileSpec.defaultName, app: { flow: "device", clientId: apps.device.client_id } },
    {
      ...base,
      name: "pkce",
      app: { flow: "pkce", clientId: apps.pkce.client_id, redirectUri: Option.fromNullable(apps.pkce.redirect_uri) }
    },
    {
      ...base,
      name: "jwt",
      app: {
        flow: "jwt",
        clientId: apps.jwt.client_id,
        privateKey: Redacted.make(apps.jwt.private_key ?? ""),
        publicKeyId: apps.jwt.public_key_id ?? ""
      }
    }
  ]
}

const seeded = (why: string) =>
  Effect.gen(function* () {
    const { url } = yield* Emulator.Emulator
    const apps = yield* DemoApps.seed
    yield* Effect.logWarning(banner(url, why))
    return ProfileSpec.fromSpecs(specsOf(apps, url))
  })

/**
 * The whole server runs on the emulator's clock, so `POST /__emulator/clock` ages the tokens it holds and its
 * pending logins as well as the emulator's: time travel needs no `min_valid_seconds` trick.
 */
const emulatorClock = Layer.unwrapEffect(Effect.map(Emulator.Emulator, ({ clock }) => Layer.setClock(clock)))

/** A one-second polling interval keeps the sandbox's device logins snappy. */
export const profiles = (why: string) =>
  Profiles.layer(seeded(why), { store: Store.StoreChoice.Memory() }).pipe(
    Layer.provide(emulatorClock),
    Layer.provide(EmulatorClient.layer.pipe(Layer.provideMerge(Emulator.layer({ port: 0, interval: 1 })))),
    Layer.orDie
  )

export const store = TokenStore.layerMemory
