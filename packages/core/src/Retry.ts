/**
 * The retry policy for transient failures, as a value: network errors, timeouts and 408 / 429 / 5xx answers
 * are retried with jittered exponential backoff, honouring `Retry-After`; protocol errors never are.
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
