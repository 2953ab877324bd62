/**
 * Where SIGINT, SIGTERM and SIGHUP go: normally they interrupt the running command (a login is cancelled,
 * nothing stored); while `exec` runs its child they go to the child instead, and the CLI waits for it.
 */
import { Effect, type Fiber, FiberId } from "effect"

type Handler = (signal: NodeJS.Signals) => void

let forward: Handler | undefined

const signals: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP"]

/** Installs the handlers for the CLI's main fiber; a second Ctrl+C while it winds down ends the process. */
export const install = (fiber: Fiber.RuntimeFiber<unknown, unknown>, onForcedExit: () => void) => {
  let interrupting = false
  for (const signal of signals)
    process.on(signal, () => {
      if (forward !== undefined) return forward(signal)
      if (interrupting) return onForcedExit()
      interrupting = true
      fiber.unsafeInterruptAsFork(FiberId.none)
    })
}

/** Sends signals to `handler` for as long as the scope is open. */
export const forwardTo = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      forward = handler
    }),
    () =>
      Effect.sync(() => {
        forward = undefined
      })
  )
