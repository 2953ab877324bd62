/**
 * The layer graph behind the runtime: profiles wired to their flows over one token store and HTTP client,
 * the pending-login registry, the settings, the HTTP client (for the API tools too), and logs on stderr.
 */

import type { ConfigError } from "@coze-auth/core/CozeError"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as PkceOAuth from "@coze-auth/core/PkceOAuth"
import * as TokenAuth from "@coze-auth/core/TokenAuth"
import { TokenStore } from "@coze-auth/core/TokenStore"
import * as Browser from "@coze-auth/node/Browser"
import * as Login from "@coze-auth/node/Login"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import * as Logins from "./Logins.js"
import type { ProfileSpec } from "./ProfileSpec.js"
import { type LoginStart, make as makeProfiles, type Profile, Profiles } from "./Profiles.js"
import { type Services, stderrLogger } from "./Runtime.js"
import { Settings, type Service as SettingsService } from "./Settings.js"

/** A redirect URI registered with a fixed port needs the loopback receiver on that port. */
const portOf = (redirectUri: string): Option.Option<number> =>
  Option.liftThrowable(() => new URL(redirectUri).port)().pipe(
    Option.filter((port) => port !== ""),
    Option.map(Number)
  )

const interactive = (handle: Login.LoginHandle): LoginStart => ({ _tag: "Interactive", handle })

/** Wires one profile to its flow: how its token is renewed (`Credentials`) and how it logs in. */
export const makeProfile = (
  spec: ProfileSpec
): Effect.Effect<Profile, ConfigError, HttpClient.HttpClient | TokenStore> =>
  Effect.gen(function* () {
    const store = yield* TokenStore
    const { app, name, region } = spec
    const credentialsOf = (source: Credentials.Source) =>
      Credentials.make({ profile: name, source }).pipe(Effect.provideService(TokenStore, store))
    const base = { name, region, flow: app.flow }
    switch (app.flow) {
      case "token": {
        const token = yield* (yield* TokenAuth.make({ token: app.token })).token
        return {
          ...base,
          credentials: yield* credentialsOf(Credentials.Source.Static({ token })),
          login: () => Effect.succeed({ _tag: "Immediate", token })
        }
      }
      case "device": {
        const client = yield* DeviceOAuth.make({ clientId: app.clientId, region })
        return {
          ...base,
          credentials: yield* credentialsOf(
            Credentials.Source.Refreshable({ flow: "device", refresh: client.refresh })
          ),
          login: ({ workspaceId }) =>
            Login.device({ profile: name, client, workspaceId: Option.getOrUndefined(workspaceId) }).pipe(
              Effect.provideService(TokenStore, store),
              Effect.map(interactive)
            )
        }
      }
      case "pkce": {
        const client = yield* PkceOAuth.make({
          clientId: app.clientId,
          region,
          redirectUri: Option.getOrUndefined(app.redirectUri)
        })
        return {
          ...base,
          credentials: yield* credentialsOf(Credentials.Source.Refreshable({ flow: "pkce", refresh: client.refresh })),
          // The URL reaches the user through the MCP client; the server never opens a browser on its own.
          login: ({ workspaceId }) =>
            Login.pkce({
              profile: name,
              client,
              workspaceId: Option.getOrUndefined(workspaceId),
              openBrowser: false,
              port: Option.getOrUndefined(Option.flatMap(app.redirectUri, portOf))
            }).pipe(
              Effect.provideService(TokenStore, store),
              Effect.provide(Browser.layerUnavailable),
              Effect.map(interactive)
            )
        }
      }
      case "jwt": {
        const client = yield* JwtOAuth.make({
          clientId: app.clientId,
          privateKey: app.privateKey,
          publicKeyId: app.publicKeyId,
          region
        })
        const credentials = yield* credentialsOf(Credentials.Source.Mint({ mint: client.token() }))
        const sessions = yield* Credentials.makeKeyed({ mint: (sessionName: string) => client.token({ sessionName }) })
        return {
          ...base,
          credentials,
          sessions,
          login: () => Effect.map(credentials.refresh, (token) => ({ _tag: "Immediate", token }))
        }
      }
    }
  })

export const profilesLayer = <E, R>(
  specs: Effect.Effect<ReadonlyArray<ProfileSpec>, E, R>
): Layer.Layer<Profiles, E | ConfigError, R | HttpClient.HttpClient | TokenStore> =>
  Layer.effect(
    Profiles,
    specs.pipe(
      Effect.flatMap((specs) => Effect.forEach(specs, makeProfile)),
      Effect.map(makeProfiles)
    )
  )

/** Everything the tools need: the profiles over one token store and HTTP client, logins, settings, stderr logs. */
export const make = <E>(options: {
  readonly profiles: Layer.Layer<Profiles, E, HttpClient.HttpClient | TokenStore>
  readonly store: Layer.Layer<TokenStore>
  readonly settings: SettingsService
}): Layer.Layer<Services, E> =>
  Logins.layer.pipe(
    Layer.provideMerge(options.profiles),
    Layer.provideMerge(Layer.succeed(Settings, options.settings)),
    Layer.provide(options.store),
    Layer.provideMerge(FetchHttpClient.layer),
    Layer.provide(stderrLogger)
  )
