/**
 * Service apps: sign a short-lived RS256 JWT with the app's private key and trade it for an access token
 * (no refresh token exists; mint a new one instead). Covers the developer and channel apps (`scope`),
 * cross-account tokens (`accountId`) and enterprise privileged apps (`enterpriseId`), with `session_name`
 * for per-user conversation isolation and `session_context` for device billing.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Config, Context, Effect, type Either, Layer, type Redacted } from "effect"
import type { ConfigError, CozeError } from "./CozeError.js"
import { Grant, type TransformClient } from "./Dialect.js"
import { layerConfig as flowLayerConfig, makeClient } from "./internal/flow.js"
import * as key from "./internal/jwtKey.js"
import * as internal from "./internal/jwtSigner.js"
import { withSpan } from "./internal/tracing.js"
import * as Region from "./Region.js"
import { retryTransient } from "./Retry.js"
import type { Scope } from "./Scope.js"
import type { Token } from "./Token.js"

/**
 * The `session_context` claim (enterprise flagship): which device or consumer uses the token.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SessionContext {
  readonly device_info?: { readonly device_id?: string; readonly custom_consumer?: string }
}

/**
 * Per-token choices; the app's options give the defaults.
 *
 * @since 0.1.0
 * @category Models
 */
export interface TokenOptions {
  /** The end user's id: isolates conversations per user. */
  readonly sessionName?: string | undefined
  readonly sessionContext?: SessionContext | undefined
  readonly scope?: Scope | undefined
  /** The access token's lifetime: default 900, at most 86399 (longer is clamped, with a warning). */
  readonly durationSeconds?: number | undefined
  /** Cross-account: the workspace owner's or organization's id (`/account/{id}/token`). Wins over `enterpriseId`. */
  readonly accountId?: string | undefined
  /** Enterprise privileged apps (`/enterprise_id/{id}/token`). */
  readonly enterpriseId?: string | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options extends TokenOptions {
  readonly clientId: string
  /** The PKCS#8 or PKCS#1 PEM; imported once, here. */
  readonly privateKey: Redacted.Redacted<string>
  /** The key's fingerprint shown in the console, sent as the JWT `kid`. */
  readonly publicKeyId: string
  readonly region?: Region.Region | undefined
  /** Changes the flow's HTTP client (headers, a proxy); applied once, after the api base is prepended. */
  readonly transformClient?: TransformClient | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly clientId: string
  readonly region: Region.Region
  /** A new access token from a freshly signed JWT. */
  readonly token: (options?: TokenOptions) => Effect.Effect<Token, CozeError>
}

/**
 * The JWT flow of a service app as a service. From `examples/jwt.ts`, run by the test suite:
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Console, Effect } from "effect"
 * import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
 * import * as Scope from "@coze-auth/core/Scope"
 *
 * export const program = Effect.gen(function* () {
 *   const jwt = yield* JwtOAuth.JwtOAuth
 *   // One end user per session_name keeps conversations apart; scope matters for channel apps.
 *   const token = yield* jwt.token({ sessionName: "user-42", scope: Scope.botChat(["7380000000000000000"]) })
 *   yield* Console.log(`service token for ${token.flow}, not refreshable: ${!token.refreshable}`)
 *   return token
 * }).pipe(Effect.provide(JwtOAuth.layerConfig()), Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category Context
 */
export class JwtOAuth extends Context.Tag("@coze-auth/core/JwtOAuth")<JwtOAuth, Service>() {}

/**
 * The JWT's own lifetime, independent of the token's: it is used once, right away.
 *
 * @since 0.1.0
 * @category Constants
 */
export const jwtLifetimeSeconds: number = internal.jwtLifetimeSeconds

/**
 * @since 0.1.0
 * @category Constants
 */
export const defaultDurationSeconds = 900

/**
 * The longest access token Coze issues.
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxDurationSeconds = 86399

/**
 * Signs one JWT per call (fresh `iat`, `exp`, 32-byte `jti`).
 *
 * @since 0.1.0
 * @category Models
 */
export type Signer = (claims?: {
  readonly sessionName?: string | undefined
  readonly sessionContext?: SessionContext | undefined
}) => Effect.Effect<Redacted.Redacted<string>>

/**
 * The protected header of every JWT: `{ alg: "RS256", typ: "JWT", kid }`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface JwtHeader {
  readonly alg: "RS256"
  readonly typ: "JWT"
  readonly kid: string
}

/**
 * How JWTs are signed: `importKey` takes the key (PKCS#8 DER) once, and fails when it is not an RSA private
 * key; the function it answers signs one payload (JSON text) under the header and returns the compact JWT.
 *
 * @since 0.1.0
 * @category Models
 */
export interface JwtSignerService {
  readonly importKey: (
    pkcs8: Uint8Array,
    header: JwtHeader
  ) => Effect.Effect<(payload: string) => Effect.Effect<string>, unknown>
}

/**
 * RS256 with jose over WebCrypto: runs in Node, browsers and edge runtimes. `CompactSign` under a header
 * given once; `SignJWT` would copy and re-validate the claims on every call.
 *
 * @since 0.1.0
 * @category Signers
 */
export const webCryptoSigner: JwtSignerService = internal.webCryptoSigner

/**
 * The signer `JwtOAuth` uses: `webCryptoSigner` unless another is provided (`NodeJwtSigner.layer` from
 * `@coze-auth/node` signs with node:crypto, faster on Node).
 *
 * @since 0.1.0
 * @category Context
 */
export class JwtSigner extends Context.Reference<JwtSigner>()("@coze-auth/core/JwtOAuth/JwtSigner", {
  defaultValue: (): JwtSignerService => webCryptoSigner
}) {}

/**
 * Imports the key once and returns the signer `token` uses; exposed for benchmarks and custom grants.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeSigner = (options: {
  readonly clientId: string
  readonly privateKey: Redacted.Redacted<string>
  readonly publicKeyId: string
  readonly region?: Region.Region | undefined
}): Effect.Effect<Signer, ConfigError> => Effect.flatMap(JwtSigner, (signer) => internal.makeSigner(options, signer))

const clampDuration = (seconds: number): Effect.Effect<number> =>
  seconds > maxDurationSeconds
    ? Effect.as(
        Effect.logWarning(`durationSeconds ${seconds} exceeds Coze's maximum; using ${maxDurationSeconds}`),
        maxDurationSeconds
      )
    : Effect.succeed(Math.max(1, Math.floor(seconds)))

/**
 * Fails with a `ConfigError` naming `COZE_JWT_OAUTH_PRIVATE_KEY` when the PEM is not an RSA private key.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Service, ConfigError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { clientId } = options
    const sign = yield* makeSigner(options)
    const { region, transformClient } = options
    const client = yield* makeClient({ flow: "jwt", clientId, region, transformClient })
    return {
      clientId,
      region: client.region,
      token: (request = {}) =>
        Effect.gen(function* () {
          const choice = <K extends keyof TokenOptions>(key: K): TokenOptions[K] => request[key] ?? options[key]
          const durationSeconds = yield* clampDuration(choice("durationSeconds") ?? defaultDurationSeconds)
          // Every attempt signs a new JWT (new `jti`), so even a grant the server may have used is never resent.
          const attempt = Effect.flatMap(
            sign({ sessionName: choice("sessionName"), sessionContext: choice("sessionContext") }),
            (jwt) =>
              client.request(
                Grant.JwtBearer({
                  jwt,
                  durationSeconds,
                  scope: choice("scope"),
                  accountId: choice("accountId"),
                  enterpriseId: choice("enterpriseId")
                })
              )
          )
          return yield* retryTransient(attempt)
        }).pipe(withSpan("JwtOAuth.token", { attributes: { flow: "jwt" } }))
    }
  })

/**
 * The PEM itself, or a file to read it from.
 *
 * @since 0.1.0
 * @category Models
 */
export type KeySource = Either.Either<Redacted.Redacted<string>, { readonly path: string }>

/**
 * `COZE_JWT_OAUTH_CLIENT_ID`, `COZE_JWT_OAUTH_PUBLIC_KEY_ID`, `COZE_JWT_OAUTH_PRIVATE_KEY` or else
 * `COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH`, and the region from `COZE_API_BASE` / `COZE_WWW_BASE`.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Omit<Options, "privateKey"> & { readonly privateKey: KeySource }> = Config.all({
  ...key.config,
  region: Region.config
})

/**
 * Reads a key file through the platform's `FileSystem` when one is provided (`@coze-auth/node` does).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const readKey: (source: KeySource) => Effect.Effect<Redacted.Redacted<string>, ConfigError> = key.readKey

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<JwtOAuth, ConfigError, HttpClient.HttpClient> =>
  Layer.effect(JwtOAuth, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: Config.Config<Omit<Options, "privateKey"> & { readonly privateKey: KeySource }> = config
): Layer.Layer<JwtOAuth, ConfigError, HttpClient.HttpClient> =>
  flowLayerConfig(JwtOAuth, options, (loaded) =>
    Effect.flatMap(readKey(loaded.privateKey), (privateKey) => make({ ...loaded, privateKey }))
  )
