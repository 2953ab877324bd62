/**
 * The emulator's clock: the clock it was built with, moved forward by `POST /__emulator/clock`. It is a
 * whole `Clock`, so a program embedding the emulator can run on the same time (the MCP server's sandbox does).
 */

import { Clock, Effect } from "effect"

export interface ShiftedClock {
  readonly clock: Clock.Clock
  readonly advance: (millis: number) => Effect.Effect<void>
  /** Back to the base clock's time. */
  readonly reset: Effect.Effect<void>
}

export const make = (base: Clock.Clock): ShiftedClock => {
  let offset = 0
  const millis = (baseMillis: number) => baseMillis + offset
  // `BigInt` throws on a fraction, and this runs on every time read.
  const nanos = (baseNanos: bigint) => baseNanos + BigInt(Math.round(offset)) * 1_000_000n
  return {
    clock: {
      [Clock.ClockTypeId]: Clock.ClockTypeId,
      unsafeCurrentTimeMillis: () => millis(base.unsafeCurrentTimeMillis()),
      unsafeCurrentTimeNanos: () => nanos(base.unsafeCurrentTimeNanos()),
      currentTimeMillis: Effect.map(base.currentTimeMillis, millis),
      currentTimeNanos: Effect.map(base.currentTimeNanos, nanos),
      // Sleeping is real waiting: only the time read moves.
      sleep: (duration) => base.sleep(duration)
    },
    advance: (by) =>
      Effect.sync(() => {
        offset += by
      }),
    reset: Effect.sync(() => {
      offset = 0
    })
  }
}
