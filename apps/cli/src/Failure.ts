/**
 * How a command ends when it does not succeed: one line on stderr saying what happened and what to do, and
 * the exit code of the contract (architecture §7): 1 failure, 2 usage, 3 not logged in, or the status of the
 * command `exec` ran.
 */
import { isCozeError } from "@coze-auth/core/CozeError"
import { ValidationError } from "@effect/cli"
import { Cause, Option, Schema } from "effect"

/** A failure the CLI itself names: its message is the line users see. */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", {
  message: Schema.String,
  /** 1 unless said otherwise. */
  exitCode: Schema.optional(Schema.Number)
}) {}

/** `exec`'s command ended: the CLI ends with the same status, saying nothing. */
export class ChildExited extends Schema.TaggedError<ChildExited>()("ChildExited", { exitCode: Schema.Number }) {}

export const usage = (message: string) => new CliFailure({ message, exitCode: 2 })

export const exitCodes = { failure: 1, usage: 2, notLoggedIn: 3, interrupted: 130 } as const

export interface Outcome {
  readonly exitCode: number
  /** The line for stderr, if any. */
  readonly line: Option.Option<string>
}

const line = (text: string) => Option.some(`coze-auth: ${text}`)

/** What the user sees for a failure the commands did not handle. */
export const outcomeOf = (cause: Cause.Cause<unknown>): Outcome => {
  if (Cause.isInterruptedOnly(cause)) return { exitCode: exitCodes.interrupted, line: Option.none() }
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) {
    // A defect: say it once, with its cause, so it can be reported.
    return { exitCode: exitCodes.failure, line: line(`unexpected failure: ${Cause.pretty(cause)}`) }
  }
  const error = failure.value
  // @effect/cli has printed the problem and the usage itself.
  if (ValidationError.isValidationError(error)) return { exitCode: exitCodes.usage, line: Option.none() }
  if (error instanceof ChildExited) return { exitCode: error.exitCode, line: Option.none() }
  if (error instanceof CliFailure) return { exitCode: error.exitCode ?? exitCodes.failure, line: line(error.message) }
  if (isCozeError(error)) {
    if (error._tag === "NotAuthenticated")
      return {
        exitCode: exitCodes.notLoggedIn,
        line: line(`${error.description}; run \`coze-auth login --profile ${error.profile}\``)
      }
    return { exitCode: exitCodes.failure, line: line(error.message) }
  }
  return { exitCode: exitCodes.failure, line: line(error instanceof Error ? error.message : String(error)) }
}
