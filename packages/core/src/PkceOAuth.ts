/**
 * The authorization-code flow of a public client (a SPA, a CLI, a desktop app) with PKCE: a CSPRNG verifier
 * per login, S256 by default and plain when asked, no client secret anywhere.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Config, Context, Effect, Layer, type Redacted } from "effect"
import type { ConfigError, CozeError } from "./CozeError.js"
import type { TransformClient } from "./Dialect.js"
import * as CodeFlow from "./internal/codeFlow.js"
import { layerConfig as flowLayerConfig } from "./internal/flow.js"
import * as Pkce from "./Pkce.js"
import * as Region from "./Region.js"
import type { Token } from "./Token.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly clientId: string
  /** The default redirect URI; each call may give its own. */
  readonly redirectUri?: string | undefined
  readonly region?: Region.Region | undefined
  /** Characters in each verifier, 43 (default) to 128. */
  readonly verifierLength?: number | undefined
  /** Changes the flow's HTTP client (headers, a proxy); applied once, after the api base is prepended. */
  readonly transformClient?: TransformClient | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface AuthorizationUrl {
  readonly url: string
  readonly state: string
  /** Keep it for `exchange`; it never leaves this login. */
  readonly codeVerifier: Redacted.Redacted<string>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service extends CodeFlow.Base {
  readonly authorizationUrl: (options?: {
    readonly redirectUri?: string | undefined
    readonly method?: Pkce.Method | undefined
    readonly workspaceId?: string | undefined
    readonly state?: string | undefined
  }) => Effect.Effect<AuthorizationUrl, ConfigError>
  readonly exchange: (options: {
    readonly code: string
    readonly codeVerifier: Redacted.Redacted<string>
    readonly redirectUri?: string | undefined
  }) => Effect.Effect<Token, CozeError>
}

/**
 * The PKCE code flow as a service. Excerpted from the example the test suite runs:
 *
 * @example
 * ```ts
 * // examples/pkce.ts; `consent` resolves with the URL Coze redirected the browser to
 * const pkce = yield* PkceOAuth.PkceOAuth
 * const { codeVerifier, state, url } = yield* pkce.authorizationUrl() // S256; { method: "plain" } if you must
 * const callback = new URL(yield* consent(url))
 * if (callback.searchParams.get("state") !== state) return yield* Effect.dieMessage("state mismatch")
 * const token = yield* pkce.exchange({ code: callback.searchParams.get("code") ?? "", codeVerifier })
 * return yield* pkce.refresh(Option.getOrThrow(token.refreshToken))
 * ```
 *
 * @since 0.1.0
 * @category Context
 */
export class PkceOAuth extends Context.Tag("@coze-auth/core/PkceOAuth")<PkceOAuth, Service>() {}

/**
 * `COZE_PKCE_OAUTH_CLIENT_ID`, `COZE_PKCE_OAUTH_REDIRECT_URI` (optional) and the region from `COZE_API_BASE` /
 * `COZE_WWW_BASE`.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Options> = Config.all({
  clientId: Config.nonEmptyString("COZE_PKCE_OAUTH_CLIENT_ID"),
  redirectUri: CodeFlow.redirectUriConfig("pkce"),
  region: Region.config
})

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(CodeFlow.make({ ...options, flow: "pkce" }), (flow) => ({
    ...flow,
    // A verifier per login; the state is checked by whoever receives the callback (`Callback.validate`).
    authorizationUrl: ({ method = "S256", ...request } = {}) =>
      Effect.gen(function* () {
        const codeVerifier = yield* Pkce.verifier(options.verifierLength)
        const codeChallenge = { value: yield* Pkce.challenge(codeVerifier, method), method }
        const { state, url } = yield* flow.authorizationUrl({ ...request, codeChallenge })
        return { url, state, codeVerifier }
      })
  }))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<PkceOAuth, never, HttpClient.HttpClient> =>
  Layer.effect(PkceOAuth, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<PkceOAuth, ConfigError, HttpClient.HttpClient> => flowLayerConfig(PkceOAuth, options, make)
