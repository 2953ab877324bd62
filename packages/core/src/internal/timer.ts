/**
 * Timeouts on the live clock without Effect's timer fiber: the bounded effect runs in one forked fiber against
 * a plain `setTimeout` (≈ 20 µs less per call than `Effect.timeoutFail`'s two fibers, which every token request
 * pays); and `interruptAfter`, a deadline that ends the current fiber itself, with no fiber to race at all. Any
 * other clock (a `TestClock`) and any delay `setTimeout` cannot hold take Effect's own timer.
 */
import { Duration, Effect, Exit, Fiber, FiberId } from "effect"
import { TransportError } from "../CozeError.js"

/** The failure of a deadline that passed: `description` is given the deadline as Effect formats it ("2m"). */
export const timeoutError = (duration: Duration.Duration, description: (took: string) => string, hint?: string) => () =>
  new TransportError({
    description: description(Duration.format(duration)),
    reason: "Timeout",
    ...(hint === undefined ? {} : { hint })
  })

/** The clock programs run unless they provide another (a `TestClock`, say). */
const liveClock = Effect.runSync(Effect.clock)

/** setTimeout's longest delay; a longer deadline takes Effect's own timer. */
const maxTimerMillis = 2 ** 31 - 1

/**
 * Waits for `fiber` on a plain timer of `millis`. `owned`: the fiber is this wait's own, interrupted (and
 * awaited) when time runs out or the waiter is interrupted; otherwise it goes on either way.
 */
const observeLive = <A, E, E2>(
  fiber: Fiber.RuntimeFiber<A, E>,
  millis: number,
  onTimeout: () => E2,
  owned: boolean
): Effect.Effect<A, E | E2> =>
  Effect.async<A, E | E2>((resume) => {
    let done = false
    const end = (effect: Effect.Effect<A, E | E2>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      fiber.removeObserver(observer)
      resume(effect)
    }
    const timer = setTimeout(
      () => end(owned ? Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())) : Effect.fail(onTimeout())),
      millis
    )
    const observer = (exit: Exit.Exit<A, E>) =>
      end(owned && Exit.isSuccess(exit) ? Effect.zipRight(fiber.inheritAll, exit) : exit)
    fiber.addObserver(observer)
    // Interrupted while waiting: an owned fiber is interrupted too, and awaited.
    return Effect.suspend(() => {
      done = true
      clearTimeout(timer)
      fiber.removeObserver(observer)
      return owned ? Fiber.interrupt(fiber) : Effect.void
    })
  })

/**
 * `Effect.timeoutFail` on the live clock, with one fiber instead of two (the effect's; the timer is a plain
 * one): ≈ 20 µs less per call, which every token request pays.
 */
const timeoutLive = <A, E, R, E2>(effect: Effect.Effect<A, E, R>, millis: number, onTimeout: () => E2) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.fork(restore(effect)), (fiber) => restore(observeLive(fiber, millis, onTimeout, true)))
  )

const isLive = (clock: unknown, millis: number) => clock === liveClock && millis <= maxTimerMillis

/** `Effect.timeoutFail(effect, { duration, onTimeout })`; an infinite `duration` sets no timer at all. */
export const timeout = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  !Duration.isFinite(duration)
    ? effect
    : Effect.clockWith((clock) => {
        const millis = Duration.toMillis(duration)
        return isLive(clock, millis)
          ? timeoutLive(effect, millis, onTimeout)
          : Effect.timeoutFail(effect, { duration, onTimeout })
      })

/** Waits for `fiber`'s outcome at most `duration`; the fiber goes on either way. */
export const awaitFiber = <A, E, E2>(
  fiber: Fiber.RuntimeFiber<A, E>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2> =>
  Effect.clockWith((clock) => {
    const millis = Duration.toMillis(duration)
    return isLive(clock, millis)
      ? observeLive(fiber, millis, onTimeout, false)
      : Effect.timeoutFail(Effect.flatten(Fiber.await(fiber)), { duration, onTimeout })
  })

/**
 * Runs `effect` in the current fiber and interrupts that fiber when `duration` passes, `onTimeout` first (so
 * whoever observes the fiber can tell this interruption from any other): no second fiber to race, for an
 * effect its fiber exists to run (the interruption ends the fiber, not just `effect`). On the live clock a
 * plain timer; on any other a sleeping fiber of Effect's own.
 */
export const interruptAfter = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => void
): Effect.Effect<A, E, R> =>
  !Duration.isFinite(duration)
    ? effect
    : Effect.withFiberRuntime<A, E, R>((self) =>
        Effect.clockWith((clock) => {
          const millis = Duration.toMillis(duration)
          const fire = () => {
            onTimeout()
            self.unsafeInterruptAsFork(FiberId.none)
          }
          return isLive(clock, millis)
            ? Effect.acquireUseRelease(
                Effect.sync(() => setTimeout(fire, millis)),
                () => effect,
                (timer) => Effect.sync(() => clearTimeout(timer))
              )
            : Effect.acquireUseRelease(
                // Forked in the acquire's uninterruptible region: the sleeper must be interruptible itself.
                Effect.forkDaemon(Effect.interruptible(Effect.zipRight(Effect.sleep(duration), Effect.sync(fire)))),
                () => effect,
                Fiber.interrupt
              )
        })
      )
