/**
 * One profile wired to its flow: how its token is renewed (`Credentials`), how it logs in, and how it
 * refreshes on demand. Built from a `ProfileSpec` over the shared `TokenStore` and `HttpClient`.
 *
 * @since 0.1.0
 */
import { type ConfigError, type CozeError, NotAuthenticated } from "@coze-auth/core/CozeError"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as PkceOAuth from "@coze-auth/core/PkceOAuth"
import type * as Region from "@coze-auth/core/Region"
import type { Flow, Token } from "@coze-auth/core/Token"
import * as TokenAuth from "@coze-auth/core/TokenAuth"
import { TokenStore } from "@coze-auth/core/TokenStore"
import * as Browser from "@coze-auth/node/Browser"
import * as Login from "@coze-auth/node/Login"
import type { HttpClient } from "@effect/platform"
import { type Duration, Effect, Option, type Scope } from "effect"
import * as Problems from "./internal/problems.js"
import { NotRefreshable } from "./ProfileError.js"
import type { ProfileSpec } from "./ProfileSpec.js"

/**
 * Device and PKCE logins wait for the user; a JWT app mints at once; a static token needs no login.
 *
 * @since 0.1.0
 * @category Models
 */
export type LoginStart =
  | { readonly _tag: "Interactive"; readonly handle: Login.LoginHandle }
  | { readonly _tag: "Immediate"; readonly token: Token }

/**
 * @since 0.1.0
 * @category Models
 */
export interface Profile {
  readonly name: string
  readonly region: Region.Region
  readonly flow: Flow
  readonly spec: ProfileSpec
  readonly credentials: Credentials.Service
  readonly login: (options: {
    readonly workspaceId: Option.Option<string>
  }) => Effect.Effect<LoginStart, CozeError, Scope.Scope>
  /** Renews now; a static token cannot be renewed and says so (`NotRefreshable`). */
  readonly refresh: Effect.Effect<Token, CozeError | NotRefreshable>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** Whether a PKCE login opens the system browser (the CLI) or leaves the URL to the caller (MCP). Default false. */
  readonly openBrowser?: boolean | undefined
  /** How long a PKCE login waits for the browser's callback; default 5 minutes. */
  readonly pkceTimeout?: Duration.DurationInput | undefined
}

/** A redirect URI registered with a fixed port needs the loopback receiver on that port. */
const portOf = (redirectUri: string): Option.Option<number> =>
  Option.liftThrowable(() => new URL(redirectUri).port)().pipe(
    Option.filter((port) => port !== ""),
    Option.map(Number)
  )

const interactive = (handle: Login.LoginHandle): LoginStart => ({ _tag: "Interactive", handle })

/**
 * Wires one profile; a `ConfigError` (a key that is no RSA key, say) names the profile and where the faulty
 * setting came from.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (
  spec: ProfileSpec,
  options: Options = {}
): Effect.Effect<Profile, ConfigError, HttpClient.HttpClient | TokenStore> =>
  Effect.map(wire(spec, options), (profile) => (Object.keys(spec.sources).length === 0 ? profile : worded(profile)))

/** Every failure of the profile speaks of its settings by where they came from (see `ProfileSpec.Sources`). */
const worded = (profile: Profile): Profile => {
  const rename = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.mapError(effect, (error) => Problems.renameIn(error, profile.spec.sources))
  const { credentials } = profile
  return {
    ...profile,
    credentials: {
      ...credentials,
      token: (options) => rename(credentials.token(options)),
      refresh: rename(credentials.refresh),
      refreshRejected: (rejected) => rename(credentials.refreshRejected(rejected)),
      status: rename(credentials.status),
      logout: rename(credentials.logout)
    },
    login: (options) => rename(profile.login(options)),
    refresh: rename(profile.refresh)
  }
}

const wire = (
  spec: ProfileSpec,
  options: Options
): Effect.Effect<Profile, ConfigError, HttpClient.HttpClient | TokenStore> =>
  Effect.gen(function* () {
    const store = yield* TokenStore
    const { app, name, region } = spec
    const credentialsOf = (source: Credentials.Source) =>
      Credentials.make({ profile: name, source }).pipe(Effect.provideService(TokenStore, store))
    const base = { name, region, flow: app.flow, spec }
    const withRefresh = (credentials: Credentials.Service) => ({ credentials, refresh: credentials.refresh })
    switch (app.flow) {
      case "token": {
        const notRefreshable = new NotRefreshable({ profile: name })
        const stored = new NotAuthenticated({
          profile: name,
          description: `profile "${name}" takes a static token (PAT or SAT), and none is stored`,
          hint: `store one with: coze-auth login --with-token --profile ${name}`
        })
        const credentials = yield* Option.match(app.token, {
          onSome: (value) =>
            Effect.flatMap(
              Effect.flatMap(TokenAuth.make({ token: value }), (auth) => auth.token),
              (token) => credentialsOf(Credentials.Source.Static({ token }))
            ),
          onNone: () => credentialsOf(Credentials.Source.Refreshable({ flow: "token", refresh: () => stored }))
        })
        return {
          ...base,
          credentials,
          refresh: notRefreshable,
          login: () =>
            Option.match(app.token, {
              onSome: () => Effect.map(credentials.token(), (token): LoginStart => ({ _tag: "Immediate", token })),
              onNone: () => Effect.fail(stored)
            })
        }
      }
      case "device": {
        const client = yield* DeviceOAuth.make({ clientId: app.clientId, region })
        const credentials = yield* credentialsOf(
          Credentials.Source.Refreshable({ flow: "device", refresh: client.refresh })
        )
        return {
          ...base,
          ...withRefresh(credentials),
          login: ({ workspaceId }: { readonly workspaceId: Option.Option<string> }) =>
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
        const credentials = yield* credentialsOf(
          Credentials.Source.Refreshable({ flow: "pkce", refresh: client.refresh })
        )
        const openBrowser = options.openBrowser === true
        return {
          ...base,
          ...withRefresh(credentials),
          login: ({ workspaceId }: { readonly workspaceId: Option.Option<string> }) =>
            Login.pkce({
              profile: name,
              client,
              workspaceId: Option.getOrUndefined(workspaceId),
              openBrowser,
              timeout: options.pkceTimeout,
              port: Option.getOrUndefined(Option.flatMap(app.redirectUri, portOf))
            }).pipe(
              Effect.provideService(TokenStore, store),
              Effect.provide(openBrowser ? Browser.layer : Browser.layerUnavailable),
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
        return {
          ...base,
          ...withRefresh(credentials),
          login: () => Effect.map(credentials.refresh, (token): LoginStart => ({ _tag: "Immediate", token }))
        }
      }
    }
  }).pipe(Effect.mapError((error) => Problems.attribute(spec.name, error, spec.sources)))
