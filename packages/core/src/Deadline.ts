/**
 * Every wait has a deadline. The defaults are in `defaults`; change them for a program (or one call) by
 * providing `Deadlines`, e.g. `Effect.provide(Deadline.layer({ request: "10 seconds" }))` or
 * `effect.pipe(Deadline.withDeadlines({ request: "5 seconds" }))`, or from the environment with
 * `layerConfig` (`COZE_AUTH_REQUEST_TIMEOUT`, …, in seconds: what the MCP server and the CLI read). The values
 * are read when a request is sent, so a layer, a fiber or a single call can each have their own.
 *
 * - `request`: one HTTP request, from sending it to the last byte of its body (a server that drips its
 *   headers or its body a byte at a time is cut off too).
 * - `operation`: a flow's call as a whole, retries included (a JWT mint, a device code, a refresh, a code
 *   exchange, a device poll): a retry is only started while a whole request still fits in it.
 * - `token`: each `Credentials` call (`token`, `refresh`, `refreshRejected`) as a whole: waiting for the
 *   lock, the renewal and its write.
 * - `renewal`: a `Credentials` renewal once it holds the store's lock (re-read, refresh or mint, write); the
 *   wait for the lock is bounded by the store's own lock wait. It runs apart from its callers, so that a
 *   caller giving up at `token` does not throw away a rotated refresh token: the request that spends the
 *   refresh token is read for up to this long and its answer is stored if it arrives, for the next caller.
 *
 * @since 0.1.0
 */
import {
  Config,
  Context,
  Duration,
  Effect,
  ConfigError as EffectConfigError,
  Either,
  type Fiber,
  Layer,
  Option
} from "effect"
import type { ConfigError, TransportError } from "./CozeError.js"
import * as configError from "./internal/configError.js"
import * as timer from "./internal/timer.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Values {
  readonly request: Duration.Duration
  readonly operation: Duration.Duration
  readonly token: Duration.Duration
  readonly renewal: Duration.Duration
}

/**
 * 30 s per request, 60 s per operation and per `token` call, 2 minutes per renewal.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaults: Values = {
  request: Duration.seconds(30),
  operation: Duration.seconds(60),
  token: Duration.seconds(60),
  renewal: Duration.minutes(2)
}

/**
 * The deadlines in force; `defaults` unless provided.
 *
 * @since 0.1.0
 * @category Context
 */
export class Deadlines extends Context.Reference<Deadlines>()("@coze-auth/core/Deadline/Deadlines", {
  defaultValue: (): Values => defaults
}) {}

/**
 * @since 0.1.0
 * @category Models
 */
export type Input = { readonly [K in keyof Values]?: Duration.DurationInput | undefined }

const merge = (current: Values, input: Input): Values => ({
  request: Duration.decode(input.request ?? current.request),
  operation: Duration.decode(input.operation ?? current.operation),
  token: Duration.decode(input.token ?? current.token),
  renewal: Duration.decode(input.renewal ?? current.renewal)
})

/**
 * The defaults with `input` over them.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (input: Input): Layer.Layer<Deadlines> => Layer.succeed(Deadlines, merge(defaults, input))

/** `30` or `0.5` (seconds), or a duration as Effect writes it (`"500 millis"`, `"2 minutes"`); above 0. */
const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const trimmed = text.trim()
  const parsed = /^\d+(\.\d+)?$/.test(trimmed)
    ? Option.some(Duration.seconds(Number(trimmed)))
    : Duration.decodeUnknown(trimmed)
  return Option.filter(
    parsed,
    (duration) => Duration.greaterThan(duration, Duration.zero) && Duration.isFinite(duration)
  )
}

/**
 * A duration setting as coze-auth reads them: a number of seconds (`30`, `0.5`) or a duration as Effect
 * writes it (`"500 millis"`, `"2 minutes"`), above 0; `fallback` where unset.
 *
 * @since 0.1.0
 * @category Config
 */
export const durationSetting = (name: string, fallback: Duration.Duration): Config.Config<Duration.Duration> =>
  Config.string(name).pipe(
    Config.mapOrFail((text) =>
      Either.fromOption(parseDuration(text), () =>
        EffectConfigError.InvalidData([], 'must be a number of seconds above 0 (30, 0.5) or a duration ("500 millis")')
      )
    ),
    Config.withDefault(fallback)
  )

/**
 * The deadlines from the environment, in seconds (`0.5` is half a second) or as Effect writes a duration
 * (`"500 millis"`), the defaults where unset:
 * `COZE_AUTH_REQUEST_TIMEOUT`, `COZE_AUTH_OPERATION_TIMEOUT`, `COZE_AUTH_TOKEN_TIMEOUT`,
 * `COZE_AUTH_RENEWAL_TIMEOUT`.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Values> = Config.all({
  request: durationSetting("COZE_AUTH_REQUEST_TIMEOUT", defaults.request),
  operation: durationSetting("COZE_AUTH_OPERATION_TIMEOUT", defaults.operation),
  token: durationSetting("COZE_AUTH_TOKEN_TIMEOUT", defaults.token),
  renewal: durationSetting("COZE_AUTH_RENEWAL_TIMEOUT", defaults.renewal)
})

/**
 * The deadlines of `config`; a malformed value is a `ConfigError` naming its variable.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig: Layer.Layer<Deadlines, ConfigError> = Layer.effect(Deadlines, configError.load(config))

/**
 * Runs `effect` with `input` over the deadlines in force.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const withDeadlines =
  (input: Input) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Deadlines, (current) => Effect.provideService(effect, Deadlines, merge(current, input)))

/**
 * Waits for `fiber`'s outcome at most `duration`, failing as `within` does when it passes; the fiber goes on
 * either way (a renewal that outlives its callers, say). On the live clock the wait takes no fiber of its own.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const awaitWithin = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  duration: Duration.Duration,
  description: (took: string) => string,
  hint?: string
): Effect.Effect<A, E | TransportError> =>
  timer.awaitFiber(fiber, duration, timer.timeoutError(duration, description, hint))

/**
 * `effect`, failing with a `TransportError` (reason `Timeout`) when it takes longer than `duration`;
 * `effect` is interrupted then. An infinite `duration` is no deadline: no timer is set.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const within =
  (duration: Duration.Duration, description: (took: string) => string, hint?: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | TransportError, R> =>
    timer.timeout(effect, duration, timer.timeoutError(duration, description, hint))
