/**
 * The authorization-code flow of a web app with a client secret: build the authorization URL (with a CSPRNG
 * `state` unless one is given), exchange the code after checking the returned `state`, refresh.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { type ConfigError, type CozeError, StateMismatch } from "./CozeError.js"
import { Grant } from "./Dialect.js"
import { layerConfig as flowLayerConfig, makeClient, redirectUri } from "./internal/flow.js"
import * as Pkce from "./Pkce.js"
import * as Region from "./Region.js"
import type { Token } from "./Token.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  /** The default redirect URI; each call may give its own. */
  readonly redirectUri?: string | undefined
  readonly region?: Region.Region | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface AuthorizationUrl {
  readonly url: string
  /** Keep it (in the session) and hand it back to `exchange` as `expectedState`. */
  readonly state: string
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly clientId: string
  readonly region: Region.Region
  readonly authorizationUrl: (options?: {
    readonly redirectUri?: string | undefined
    readonly state?: string | undefined
    readonly workspaceId?: string | undefined
  }) => Effect.Effect<AuthorizationUrl, ConfigError>
  /**
   * Checks `state` against `expectedState` locally, in constant time (a mismatch, or an empty `expectedState`,
   * never reaches the server), then exchanges the code.
   */
  readonly exchange: (options: {
    readonly code: string
    readonly state: string
    readonly expectedState: string
    readonly redirectUri?: string | undefined
  }) => Effect.Effect<Token, CozeError>
  /** The refresh token rotates: the one passed in is dead once this succeeds. */
  readonly refresh: (refreshToken: Redacted.Redacted<string>) => Effect.Effect<Token, CozeError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class WebOAuth extends Context.Tag("@coze-auth/core/WebOAuth")<WebOAuth, Service>() {}

const redirectSetting = "COZE_WEB_OAUTH_REDIRECT_URI"

/** Equal strings, in a time that does not tell where they differ: the state is a CSRF secret. */
const constantTimeEquals = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

// An empty expected state (a lost session read as "") would accept a callback without one.
const stateMatches = (state: string, expectedState: string): boolean =>
  expectedState !== "" && constantTimeEquals(state, expectedState)

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { clientId, clientSecret } = options
    const client = yield* makeClient({ flow: "web", clientId, clientSecret, region: options.region })
    return {
      clientId,
      region: client.region,
      authorizationUrl: (request = {}) =>
        Effect.gen(function* () {
          const uri = yield* redirectUri(request.redirectUri, options.redirectUri, redirectSetting)
          const state = request.state ?? (yield* Pkce.state)
          const url = client.dialect.authorizationUrl(client.region, {
            clientId,
            redirectUri: uri,
            state,
            workspaceId: request.workspaceId
          })
          return { url, state }
        }),
      exchange: (request) =>
        Effect.gen(function* () {
          if (!stateMatches(request.state, request.expectedState)) {
            return yield* new StateMismatch({
              description: "the callback's state is not the one this login sent",
              hint: "the callback may be forged or belong to another login; start the login again"
            })
          }
          const uri = yield* redirectUri(request.redirectUri, options.redirectUri, redirectSetting)
          return yield* client.token(
            Grant.AuthorizationCode({ clientId, code: request.code, redirectUri: uri, clientSecret })
          )
        }),
      refresh: client.refresh
    }
  })

/**
 * `COZE_WEB_OAUTH_CLIENT_ID`, `COZE_WEB_OAUTH_CLIENT_SECRET`, `COZE_WEB_OAUTH_REDIRECT_URI` (optional) and the
 * region from `COZE_API_BASE` / `COZE_WWW_BASE`.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Options> = Config.all({
  clientId: Config.nonEmptyString("COZE_WEB_OAUTH_CLIENT_ID"),
  clientSecret: Config.nonEmptyString("COZE_WEB_OAUTH_CLIENT_SECRET").pipe(Config.map(Redacted.make)),
  redirectUri: Config.option(Config.nonEmptyString(redirectSetting)).pipe(Config.map(Option.getOrUndefined)),
  region: Region.config
})

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<WebOAuth, never, HttpClient.HttpClient> =>
  Layer.effect(WebOAuth, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<WebOAuth, ConfigError, HttpClient.HttpClient> => flowLayerConfig(WebOAuth, options, make)
