/**
 * A personal or service access token (PAT / SAT) made in the Coze console: no token endpoint, no expiry
 * the client can see, no refresh.
 *
 * @since 0.1.0
 */
import { Config, Context, DateTime, Effect, Layer, Option, Redacted } from "effect"
import type { ConfigError } from "./CozeError.js"
import { layerConfig as flowLayerConfig } from "./internal/flow.js"
import { Token } from "./Token.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly token: Redacted.Redacted<string>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** The token, as a `Token` of flow "token" without expiry. */
  readonly token: Effect.Effect<Token>
}

/**
 * A PAT or SAT as a service. From `examples/token.ts`, run by the test suite:
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import * as TokenAuth from "@coze-auth/core/TokenAuth"
 *
 * export const program = Effect.gen(function* () {
 *   const auth = yield* TokenAuth.TokenAuth
 *   const token = yield* auth.token
 *   yield* Console.log(`using a ${token.flow} credential: ${token.accessToken}`) // prints <redacted>
 *   return token
 * }).pipe(Effect.provide(TokenAuth.layerConfig()))
 * ```
 *
 * @since 0.1.0
 * @category Context
 */
export class TokenAuth extends Context.Tag("@coze-auth/core/TokenAuth")<TokenAuth, Service>() {}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Service> =>
  Effect.map(DateTime.now, (obtainedAt) => {
    const token = new Token({
      accessToken: options.token,
      expiresAt: Option.none(),
      refreshToken: Option.none(),
      flow: "token",
      obtainedAt,
      logId: Option.none()
    })
    return { token: Effect.succeed(token) }
  })

/**
 * `COZE_API_TOKEN`.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Options> = Config.all({
  token: Config.nonEmptyString("COZE_API_TOKEN").pipe(Config.map(Redacted.make))
})

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<TokenAuth> => Layer.effect(TokenAuth, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (options: Config.Config<Options> = config): Layer.Layer<TokenAuth, ConfigError> =>
  flowLayerConfig(TokenAuth, options, make)
