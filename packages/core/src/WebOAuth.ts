/**
 * The authorization-code flow of a web app with a client secret: build the authorization URL (with a CSPRNG
 * `state` unless one is given), exchange the code after checking the returned `state`, refresh.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Config, Context, Effect, Either, Layer, Redacted } from "effect"
import * as Callback from "./Callback.js"
import type { ConfigError, CozeError } from "./CozeError.js"
import type { TransformClient } from "./Dialect.js"
import * as CodeFlow from "./internal/codeFlow.js"
import { layerConfig as flowLayerConfig } from "./internal/flow.js"
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
  /** Changes the flow's HTTP client (headers, a proxy); applied once, after the api base is prepended. */
  readonly transformClient?: TransformClient | undefined
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
export interface Service extends CodeFlow.Base {
  readonly authorizationUrl: (options?: {
    readonly redirectUri?: string | undefined
    readonly state?: string | undefined
    readonly workspaceId?: string | undefined
  }) => Effect.Effect<AuthorizationUrl, ConfigError>
  /**
   * Checks `state` against `expectedState` locally, in constant time (`Callback.validate`: a mismatch, or an
   * empty `expectedState`, never reaches the server), then exchanges the code.
   */
  readonly exchange: (options: {
    readonly code: string
    readonly state: string
    readonly expectedState: string
    readonly redirectUri?: string | undefined
  }) => Effect.Effect<Token, CozeError>
}

/**
 * The web-app code flow as a service. Excerpted from the example the test suite runs:
 *
 * @example
 * ```ts
 * // examples/web.ts; keep `state` in the user's session
 * const web = yield* WebOAuth.WebOAuth
 * const { state, url } = yield* web.authorizationUrl()
 * const callback = new URL(yield* consent(url)) // the URL Coze redirected the browser to
 * const token = yield* web.exchange({
 *   code: callback.searchParams.get("code") ?? "",
 *   state: callback.searchParams.get("state") ?? "",
 *   expectedState: state
 * })
 * ```
 *
 * @since 0.1.0
 * @category Context
 */
export class WebOAuth extends Context.Tag("@coze-auth/core/WebOAuth")<WebOAuth, Service>() {}

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
  redirectUri: CodeFlow.redirectUriConfig("web"),
  region: Region.config
})

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(CodeFlow.make({ ...options, flow: "web" }), (flow) => ({
    ...flow,
    // The callback's state, checked where every code flow checks it; the code is sent only after.
    exchange: ({ code, expectedState, redirectUri, state }) =>
      Either.match(Callback.validate(new URLSearchParams({ code, state }), expectedState), {
        onLeft: Effect.fail,
        onRight: () => flow.exchange({ code, redirectUri })
      })
  }))

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
