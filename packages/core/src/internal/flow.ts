/**
 * What every OAuth flow shares: the HTTP client, the region and dialect, token requests with the transient
 * retry policy, and refresh with the rotating refresh token.
 */
import { HttpClient } from "@effect/platform"
import { type Config, type Context, Effect, Layer, type Redacted } from "effect"
import * as CozeError from "../CozeError.js"
import * as Dialect from "../Dialect.js"
import * as Region from "../Region.js"
import { retryTransient } from "../Retry.js"
import type { Flow, Token } from "../Token.js"
import { load } from "./configError.js"

export interface Client {
  readonly region: Region.Region
  readonly dialect: Dialect.Service
  readonly endpoint: Dialect.Endpoint
  readonly token: (grant: Dialect.Grant) => Effect.Effect<Token, CozeError.CozeError>
  readonly refresh: (refreshToken: Redacted.Redacted<string>) => Effect.Effect<Token, CozeError.CozeError>
}

export const makeClient = (options: {
  readonly flow: Flow
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  readonly region?: Region.Region | undefined
}): Effect.Effect<Client, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const region = options.region ?? Region.com
    const dialect = yield* Dialect.current
    const endpoint: Dialect.Endpoint = { client: yield* HttpClient.HttpClient, region }
    const token = (grant: Dialect.Grant) => retryTransient(dialect.token(endpoint, grant, options.flow))
    return {
      region,
      dialect,
      endpoint,
      token,
      refresh: (refreshToken) =>
        token(
          Dialect.Grant.RefreshToken({ clientId: options.clientId, refreshToken, clientSecret: options.clientSecret })
        )
    }
  })

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
