/**
 * `--sandbox` (and the default without Coze credentials): an embedded Coze emulator with ready-made apps,
 * every profile pointed at it, tokens in memory. The whole product works offline on a fresh machine.
 */

import * as Region from "@coze-auth/core/Region"
import * as DemoApps from "@coze-auth/emulator/DemoApps"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { Effect, Layer, Option, Redacted } from "effect"
import { profilesLayer } from "./AppLayer.js"
import { defaultName, type ProfileSpec } from "./ProfileSpec.js"

/** The banner's first line; tests and `npm start` find the emulator's URL in it. */
export const bannerPrefix = "coze-auth SANDBOX: embedded Coze emulator at "

const banner = (url: string) =>
  [
    `${bannerPrefix}${url}`,
    "coze-auth SANDBOX: no Coze credentials are configured (or --sandbox was given), so nothing here talks to Coze.",
    "coze-auth SANDBOX: profiles default (device app), pkce (PKCE app) and jwt (service app); tokens live in memory.",
    `coze-auth SANDBOX: to approve a login, open the verification URL the login tool returns (the device page, ${url}/oauth/device) in a browser and press Approve.`,
    "coze-auth SANDBOX: for real Coze, set COZE_API_TOKEN or COZE_DEVICE_OAUTH_CLIENT_ID, COZE_JWT_OAUTH_*, COZE_PKCE_OAUTH_* (docs/mcp.md)."
  ].join("\n")

const specsOf = (apps: DemoApps.DemoApps, url: string): ReadonlyArray<ProfileSpec> => {
  const region = Region.custom({ apiBase: url, wwwBase: url })
  return [
    { name: defaultName, region, app: { flow: "device", clientId: apps.device.client_id } },
    {
      name: "pkce",
      region,
      app: { flow: "pkce", clientId: apps.pkce.client_id, redirectUri: Option.fromNullable(apps.pkce.redirect_uri) }
    },
    {
      name: "jwt",
      region,
      app: {
        flow: "jwt",
        clientId: apps.jwt.client_id,
        privateKey: Redacted.make(apps.jwt.private_key ?? ""),
        publicKeyId: apps.jwt.public_key_id ?? ""
      }
    }
  ]
}

const seeded = Effect.gen(function* () {
  const { url } = yield* Emulator.Emulator
  const apps = yield* DemoApps.seed
  console.error(banner(url))
  return specsOf(apps, url)
})

/**
 * The whole server runs on the emulator's clock, so `POST /__emulator/clock` ages the tokens it holds and its
 * pending logins as well as the emulator's: time travel needs no `min_valid_seconds` trick.
 */
const emulatorClock = Layer.unwrapEffect(Effect.map(Emulator.Emulator, ({ clock }) => Layer.setClock(clock)))

/** A one-second polling interval keeps the sandbox's device logins snappy. */
export const profiles = profilesLayer(seeded).pipe(
  Layer.provide(emulatorClock),
  Layer.provide(EmulatorClient.layer.pipe(Layer.provideMerge(Emulator.layer({ port: 0, interval: 1 })))),
  Layer.orDie
)
