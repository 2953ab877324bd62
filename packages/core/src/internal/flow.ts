/**
 * What every OAuth flow shares: the HTTP client, the region and dialect, token requests, and refresh with the
 * rotating refresh token. A grant sent as it is may be single-use, so it is resent only when the server
 * certainly did not process it (`retryUnprocessed`); a flow that makes a fresh grant per attempt (JWT) sends
 * with `request` and picks its own policy.
 */
import { HttpClient } from "@effect/platform"
import { type Config, type Context, Effect, Layer, type Redacted } from "effect"
import * as CozeError from "../CozeError.js"
import * as Dialect from "../Dialect.js"
import * as Region from "../Region.js"
import { retryUnprocessed } from "../Retry.js"
import type { Flow, Token } from "../Token.js"
import { load } from "./configError.js"
import { withSpan } from "./tracing.js"

export interface Client {
  readonly region: Region.Region
  readonly dialect: Dialect.Service
  readonly endpoint: Dialect.Endpoint
  readonly exchange: Dialect.Exchange
  /** One token request, never retried. */
  readonly request: (grant: Dialect.Grant) => Effect.Effect<Token, CozeError.CozeError>
  /** A token request, resent only after a failure the server certainly did not process (HTTP 429). */
  readonly token: (grant: Dialect.Grant) => Effect.Effect<Token, CozeError.CozeError>
  readonly refresh: (refreshToken: Redacted.Redacted<string>) => Effect.Effect<Token, CozeError.CozeError>
}

export const makeClient = (options: {
  readonly flow: Flow
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  readonly region?: Region.Region | undefined
  readonly transformClient?: Dialect.TransformClient | undefined
}): Effect.Effect<Client, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { flow } = options
    const region = options.region ?? Region.com
    const dialect = yield* Dialect.Dialect
    // Built once per flow: every request of this flow goes through it.
    const endpoint = Dialect.makeEndpoint(yield* HttpClient.HttpClient, region, options.transformClient)
    const exchange = dialect.bind(endpoint)
    const request = (grant: Dialect.Grant) =>
      exchange.token(grant, flow).pipe(withSpan("coze-auth.token", { attributes: { flow, grant: grant._tag } }))
    const token = (grant: Dialect.Grant) => retryUnprocessed(request(grant))
    return {
      region,
      dialect,
      endpoint,
      exchange,
      request,
      token,
      refresh: (refreshToken) =>
        token(
          Dialect.Grant.RefreshToken({ clientId: options.clientId, refreshToken, clientSecret: options.clientSecret })
        ).pipe(withSpan(`${spanPrefix[flow]}.refresh`, { attributes: { flow } }))
    }
  })

/** The span names of each flow's service: `DeviceOAuth.poll`, `WebOAuth.refresh`, ... */
export const spanPrefix: Record<Flow, string> = {
  device: "DeviceOAuth",
  web: "WebOAuth",
  pkce: "PkceOAuth",
  jwt: "JwtOAuth",
  token: "TokenAuth"
}

/** The redirect URI of a call, else the configured one; without either the URL cannot be built. */
export const redirectUri = (
  given: string | undefined,
  configured: string | undefined,
  setting: string
): Effect.Effect<string, CozeError.ConfigError> =>
  Effect.fromNullable(given ?? configured).pipe(
    Effect.orElseFail(
      () => new CozeError.ConfigError({ description: "no redirect URI given or configured", field: setting })
    )
  )

/** `layerConfig` of a flow: load the options (every bad setting named), then `make`. */
export const layerConfig = <I, S, O, E, R>(
  tag: Context.Tag<I, S>,
  config: Config.Config<O>,
  make: (options: O) => Effect.Effect<S, E, R>
): Layer.Layer<I, E | CozeError.ConfigError, R> => Layer.effect(tag, Effect.flatMap(load(config), make))
