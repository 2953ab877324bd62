/**
 * The retry policy for transient failures, as a value: network errors, timeouts and 408 / 429 / 5xx answers
 * are retried with jittered exponential backoff, honouring `Retry-After`; protocol and TLS errors never are.
 *
 * A request that spends something single-use (a refresh token, which rotates; an authorization code) is
 * retried only when the server certainly did not process it: after a 5xx, a timeout or a reset the grant may
 * already be spent, and sending it again would earn `invalid_grant` and a forced login. Such requests use
 * `retryUnprocessed`; the JWT flow signs a new grant for every attempt and may use `retryTransient`.
 *
 * Both are bounded by the `operation` deadline (`Deadline`): a retry starts only while its wait and a whole
 * request (`request` deadline) still fit in it, so a server that hangs costs one request deadline, not five.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option, Schedule } from "effect"
import { type CozeError, isTransient, type TransportError } from "./CozeError.js"
import * as Deadline from "./Deadline.js"

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
 * Retries `effect` on `schedule` while one more attempt still fits in the `operation` deadline counted from
 * now: its longest wait, and (`reserveRequest`) a whole request.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retryWithin = <A, E extends CozeError, R>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, CozeError>,
  reserveRequest = true
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const { operation, request } = yield* Deadline.Deadlines
    const start = yield* Clock.currentTimeMillis
    const reserve = Duration.toMillis(maxDelay) + (reserveRequest ? Duration.toMillis(request) : 0)
    const latest = Duration.toMillis(operation) - reserve
    const fits = Effect.map(Clock.currentTimeMillis, (now) => now - start <= latest)
    // The schedule is set up only after a first failure, which it is then given as if it had just happened:
    // the same waits and counts as `Effect.retry(effect, …)`, without its cost on every success.
    return yield* Effect.catchAll(effect, (first) => {
      let replayed = false
      const again = Effect.suspend(() => {
        if (replayed) return effect
        replayed = true
        return Effect.fail(first)
      })
      return Effect.retry(again, schedule.pipe(Schedule.whileInputEffect(() => fits)))
    })
  })

/**
 * Runs `effect`, retrying it on the `transient` schedule within the `operation` deadline, which also bounds
 * the whole (a `TransportError` with reason `Timeout` when it passes, whatever the request deadline).
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retryTransient = <A, E extends CozeError, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | TransportError, R> =>
  Effect.flatMap(Deadline.Deadlines, ({ operation }) =>
    retryWithin(effect, transient).pipe(
      Deadline.within(operation, (took) => `no answer within ${took}, retries included`)
    )
  )

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
 * Runs `effect`, a request that spends a single-use grant, retrying it on the `unprocessed` schedule within
 * the `operation` deadline (a 429 is retried while its wait still fits). Never cut by it: an answer being
 * read may hold the only live credential, so only the `request` deadline ends a request.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const retryUnprocessed = <A, E extends CozeError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  retryWithin(effect, unprocessed, false)
