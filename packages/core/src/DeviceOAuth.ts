/**
 * The device flow (RFC 8628 as Coze speaks it) for CLIs, TVs and agents without a browser: get a user code,
 * show the verification URL, poll until the user answers. Polling starts at the server's `interval` (at least
 * 1 second), grows by 5 seconds on every `slow_down` (no cap, unlike the official SDKs), stops locally at the
 * code's expiry and can be interrupted at any time. A poll that fails transiently (5xx, timeout, reset) is
 * not retried: the next one follows after the interval, as long as the code lives.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { Config, Context, Data, DateTime, Duration, Effect, Layer, type Option, type Redacted } from "effect"
import { type ConfigError, type CozeError, ExpiredToken, isTransient } from "./CozeError.js"
import { Grant, type TransformClient } from "./Dialect.js"
import { layerConfig as flowLayerConfig, makeClient } from "./internal/flow.js"
import { withSpan } from "./internal/tracing.js"
import * as Region from "./Region.js"
import { retryTransient } from "./Retry.js"
import type { Token } from "./Token.js"

/**
 * A device authorization in progress: show `verificationUrl` (or `verificationUri` and `userCode`) to the user.
 *
 * @since 0.1.0
 * @category Models
 */
export class DeviceCode extends Data.Class<{
  readonly deviceCode: Redacted.Redacted<string>
  readonly userCode: string
  readonly verificationUri: string
  /** `verificationUri` with the user code filled in, so the user only has to approve. */
  readonly verificationUrl: string
  readonly expiresAt: DateTime.Utc
  /** The server's minimum time between polls. */
  readonly interval: Duration.Duration
  readonly logId: Option.Option<string>
}> {}

/**
 * `uri` + `user_code`, URL-encoded and appended with `&` when the URI already has a query.
 *
 * @since 0.1.0
 * @category Utils
 */
export const verificationUrl = (uri: string, userCode: string): string =>
  `${uri}${uri.includes("?") ? "&" : "?"}user_code=${encodeURIComponent(userCode)}`

/**
 * Reported before every wait: which poll comes next, when, and how long the code has left.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Progress {
  readonly attempt: number
  readonly nextPollAt: DateTime.Utc
  readonly secondsLeft: number
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly clientId: string
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
  readonly deviceCode: (options?: { readonly workspaceId?: string | undefined }) => Effect.Effect<DeviceCode, CozeError>
  /** One poll (resent only after a 429): the token, or `AuthorizationPending`, `SlowDown`, `AccessDenied`, … */
  readonly poll: (code: DeviceCode) => Effect.Effect<Token, CozeError>
  /** Polls until the user answers or the code expires (then `ExpiredToken`, without asking the server). */
  readonly awaitToken: (
    code: DeviceCode,
    options?: { readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined }
  ) => Effect.Effect<Token, CozeError>
  /** The refresh token rotates: the one passed in is dead once this succeeds. */
  readonly refresh: (refreshToken: Redacted.Redacted<string>) => Effect.Effect<Token, CozeError>
}

/**
 * The device flow (RFC 8628) as a service. From `examples/device.ts`, run by the test suite:
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Console, DateTime, Effect } from "effect"
 * import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
 *
 * export const program = Effect.gen(function* () {
 *   const device = yield* DeviceOAuth.DeviceOAuth
 *   const code = yield* device.deviceCode()
 *   yield* Console.log(`Open ${code.verificationUrl} and approve (code ${code.userCode})`)
 *   const token = yield* device.awaitToken(code, {
 *     onProgress: ({ nextPollAt, secondsLeft }) =>
 *       Console.log(`waiting… next check ${DateTime.formatIso(nextPollAt)}, ${secondsLeft}s left`)
 *   })
 *   yield* Console.log("logged in")
 *   return token
 * }).pipe(Effect.provide(DeviceOAuth.layerConfig()), Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category Context
 */
export class DeviceOAuth extends Context.Tag("@coze-auth/core/DeviceOAuth")<DeviceOAuth, Service>() {}

/**
 * How much a `slow_down` adds to the interval (RFC 8628 §3.5).
 *
 * @since 0.1.0
 * @category Constants
 */
export const slowDownStep: Duration.Duration = Duration.seconds(5)

const expired = new ExpiredToken({
  description: "the device code expired before the user answered",
  hint: "start a new login"
})

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { clientId } = options
    const client = yield* makeClient({
      flow: "device",
      clientId,
      region: options.region,
      transformClient: options.transformClient
    })

    const grant = (code: DeviceCode) => Grant.DeviceCode({ clientId, deviceCode: code.deviceCode })
    // A poll that succeeds spends the device code, so a single poll is resent only when surely unprocessed.
    const poll = Effect.fn("DeviceOAuth.poll", { attributes: { flow: "device" } })(function* (code: DeviceCode) {
      return yield* client.token(grant(code))
    })

    const awaitToken: Service["awaitToken"] = (code, { onProgress = () => Effect.void } = {}) => {
      const step = (attempt: number, interval: Duration.Duration): Effect.Effect<Token, CozeError> =>
        Effect.gen(function* () {
          const now = yield* DateTime.now
          const nextPollAt = DateTime.addDuration(now, interval)
          if (DateTime.greaterThanOrEqualTo(nextPollAt, code.expiresAt)) {
            // The next poll would come too late: wait out the code and fail without asking the server.
            yield* Effect.sleep(Duration.millis(Math.max(0, DateTime.distance(now, code.expiresAt))))
            return yield* expired
          }
          const secondsLeft = Math.ceil(DateTime.distance(now, code.expiresAt) / 1000)
          yield* onProgress({ attempt, nextPollAt, secondsLeft })
          yield* Effect.sleep(interval)
          // No retry inside a poll: a failed one (pending, or transient) is just followed by the next.
          return yield* client.request(grant(code)).pipe(
            Effect.catchIf(
              (error) => error._tag === "AuthorizationPending" || isTransient(error),
              () => step(attempt + 1, interval)
            ),
            Effect.catchTag("SlowDown", () => step(attempt + 1, Duration.sum(interval, slowDownStep)))
          )
        })
      return step(1, code.interval).pipe(withSpan("DeviceOAuth.awaitToken", { attributes: { flow: "device" } }))
    }

    return {
      clientId,
      region: client.region,
      deviceCode: (request = {}) =>
        retryTransient(client.exchange.deviceCode({ clientId, workspaceId: request.workspaceId })).pipe(
          Effect.map(
            (answer) =>
              new DeviceCode({ ...answer, verificationUrl: verificationUrl(answer.verificationUri, answer.userCode) })
          ),
          withSpan("DeviceOAuth.deviceCode", { attributes: { flow: "device" } })
        ),
      poll,
      awaitToken,
      refresh: client.refresh
    }
  })

/**
 * `COZE_DEVICE_OAUTH_CLIENT_ID` and the region from `COZE_API_BASE` / `COZE_WWW_BASE`.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Options> = Config.all({
  clientId: Config.nonEmptyString("COZE_DEVICE_OAUTH_CLIENT_ID"),
  region: Region.config
})

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<DeviceOAuth, never, HttpClient.HttpClient> =>
  Layer.effect(DeviceOAuth, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: Config.Config<Options> = config
): Layer.Layer<DeviceOAuth, ConfigError, HttpClient.HttpClient> => flowLayerConfig(DeviceOAuth, options, make)
