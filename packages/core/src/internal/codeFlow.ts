/**
 * The authorization-code flow that web apps (a client secret) and public clients (PKCE) share: the
 * authorization URL, the code exchange and refresh. `WebOAuth` and `PkceOAuth` are this with or without
 * a secret and a verifier; the callback's `state` is checked in one place, `Callback.validate`.
 */
import type { HttpClient } from "@effect/platform"
import { Config, Effect, Option, type Redacted } from "effect"
import type { ConfigError, CozeError } from "../CozeError.js"
import { Grant, type TransformClient } from "../Dialect.js"
import * as Pkce from "../Pkce.js"
import type * as Region from "../Region.js"
import type { Token } from "../Token.js"
import { makeClient, redirectUri, spanPrefix } from "./flow.js"

export interface Options {
  readonly flow: "web" | "pkce"
  readonly clientId: string
  /** Web apps: sent with the code and every refresh. */
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  readonly redirectUri?: string | undefined
  readonly region?: Region.Region | undefined
  readonly transformClient?: TransformClient | undefined
}

/** The setting of each flow's default redirect URI, which a missing one names. */
export const redirectSettings = {
  web: "COZE_WEB_OAUTH_REDIRECT_URI",
  pkce: "COZE_PKCE_OAUTH_REDIRECT_URI"
} as const

/** The optional default redirect URI of a flow's `config`. */
export const redirectUriConfig = (flow: keyof typeof redirectSettings): Config.Config<string | undefined> =>
  Config.option(Config.nonEmptyString(redirectSettings[flow])).pipe(Config.map(Option.getOrUndefined))

export interface AuthorizationUrl {
  readonly url: string
  readonly state: string
}

export interface AuthorizationRequest {
  readonly redirectUri?: string | undefined
  readonly state?: string | undefined
  readonly workspaceId?: string | undefined
  /** PKCE: the challenge of this login's verifier. */
  readonly codeChallenge?: { readonly value: string; readonly method: Pkce.Method } | undefined
}

export interface ExchangeRequest {
  readonly code: string
  readonly redirectUri?: string | undefined
  readonly codeVerifier?: Redacted.Redacted<string> | undefined
}

/** What both code flows' services have in common. */
export interface Base {
  readonly clientId: string
  readonly region: Region.Region
  /** The refresh token rotates: the one passed in is dead once this succeeds. */
  readonly refresh: (refreshToken: Redacted.Redacted<string>) => Effect.Effect<Token, CozeError>
}

export interface CodeFlow extends Base {
  readonly authorizationUrl: (request?: AuthorizationRequest) => Effect.Effect<AuthorizationUrl, ConfigError>
  readonly exchange: (request: ExchangeRequest) => Effect.Effect<Token, CozeError>
}

export const make = (options: Options): Effect.Effect<CodeFlow, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { clientId, clientSecret, flow } = options
    const redirectSetting = redirectSettings[flow]
    const client = yield* makeClient({
      flow,
      clientId,
      clientSecret,
      region: options.region,
      transformClient: options.transformClient
    })
    const span = spanPrefix[flow]
    const attributes = { flow }
    const authorizationUrl = Effect.fn(`${span}.authorizationUrl`, { attributes })(function* (
      request: AuthorizationRequest
    ) {
      const uri = yield* redirectUri(request.redirectUri, options.redirectUri, redirectSetting)
      const state = request.state ?? (yield* Pkce.state)
      const url = client.dialect.authorizationUrl(client.region, {
        clientId,
        redirectUri: uri,
        state,
        workspaceId: request.workspaceId,
        codeChallenge: request.codeChallenge
      })
      return { url, state }
    })
    return {
      clientId,
      region: client.region,
      authorizationUrl: (request = {}) => authorizationUrl(request),
      exchange: Effect.fn(`${span}.exchange`, { attributes })(function* (request: ExchangeRequest) {
        const uri = yield* redirectUri(request.redirectUri, options.redirectUri, redirectSetting)
        return yield* client.token(
          Grant.AuthorizationCode({
            clientId,
            code: request.code,
            redirectUri: uri,
            clientSecret,
            codeVerifier: request.codeVerifier
          })
        )
      }),
      refresh: client.refresh
    }
  })
