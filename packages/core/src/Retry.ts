/**
 * The retry policy for transient failures, as a value: network errors, timeouts and 408 / 429 / 5xx answers
 * are retried with jittered exponential backoff, honouring `Retry-After`; protocol errors never are.
 *
 * A request that spends something single-use (a refresh token, which rotates; an authorization code) is
 * retried only when the server certainly did not process it: after a 5xx, a timeout or a reset the grant may
 * already be spent, and sending it again would earn `invalid_grant` and a forced login. Such requests use
 * `retryUnprocessed`; the JWT flow signs a new grant for every attempt and may use `retryTransient`.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, Schedule } from "effect"
import { type CozeError, isTransient } from "./CozeError.js"

/**
 * Retries after the first failure.
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxRetries = 4

/**
 * The longest single wait, also the most of a server's `Retry-After` that is honoured.
 *
 * @since 0.1.0
 * @category Constants
 */
export const maxDelay: Duration.Duration = Duration.seconds(10)

const retryAfter = (error: CozeError): Duration.Duration =>
  error._tag === "ServerError"
    ? Option.fromNullable(error.retryAfter).pipe(
        Option.map((wait) => Duration.min(wait, maxDelay)),
        Option.getOrElse(() => Duration.zero)
      )
    : Duration.zero

/**
 * 200 ms doubling with jitter, each wait capped at `maxDelay` and at least the server's `Retry-After`,
 * at most `maxRetries` times, and only while the failure is transient.
 *
 * @since 0.1.0
 * @category Schedules
 */
export const transient: Schedule.Schedule<unknown, CozeError> = Schedule.exponential("200 millis").pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced(maxDelay)),
  Schedule.intersect(Schedule.identity<CozeError>().pipe(Schedule.addDelay(retryAfter))),
  Schedule.intersect(Schedule.recurs(maxRetries)),
  Schedule.whileInput(isTransient)
)

/**
 * Runs `effect`, retrying it on the `transient` schedule.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retryTransient = <A, E extends CozeError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.retry(effect, transient)

/**
 * Whether a failure certainly never reached the server's grant processing: an HTTP 429 (rate limited) is
 * refused before it. Everything else (a 5xx, a timeout, a reset) may come after the grant was spent.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isUnprocessed = (error: CozeError): boolean => error._tag === "ServerError" && error.status === 429

/**
 * `transient`, for failures that are also `isUnprocessed` only.
 *
 * @since 0.1.0
 * @category Schedules
 */
export const unprocessed: Schedule.Schedule<unknown, CozeError> = transient.pipe(Schedule.whileInput(isUnprocessed))

/**
 * Runs `effect`, a request that spends a single-use grant, retrying it on the `unprocessed` schedule.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retryUnprocessed = <A, E extends CozeError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.retry(effect, unprocessed)
