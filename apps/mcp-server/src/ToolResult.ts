/**
 * The one place where an Effect's outcome becomes an MCP tool result. Success carries `structuredContent`
 * (and the same JSON as text, for clients that ignore it); an expected failure is `isError: true` with its
 * one-line message; anything else (a defect) gets a generic line here (its cause goes to stderr, see Runtime).
 */
import { type CozeError, isCozeError } from "@coze-auth/core/CozeError"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { Cause, Exit, Option } from "effect"
import { isToolError, type ToolError } from "./ToolError.js"

export const internalErrorMessage = "coze-auth hit an internal error; the server's log (stderr) has the details"

/** What the model can do about a failure, when the core's hint speaks of people rather than tools. */
const nextStep: Partial<Record<string, string>> = {
  NotAuthenticated: "the login tool starts one",
  InvalidGrant: "the login tool starts a new login",
  ExpiredToken: "the login tool starts a new one"
}

const describe = (error: CozeError | ToolError): string => {
  const step = nextStep[error._tag]
  return step === undefined ? error.message : `${error.message} (${step})`
}

const failure = (text: string): CallToolResult => ({ content: [{ type: "text", text }], isError: true })

export const success = (structured: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(structured) }],
  structuredContent: structured
})

export const toCallToolResult = <A extends Record<string, unknown>>(exit: Exit.Exit<A, unknown>): CallToolResult =>
  Exit.match(exit, {
    onSuccess: success,
    onFailure: (cause) => {
      const expected = Cause.failureOption(cause).pipe(
        Option.filter((e): e is CozeError | ToolError => isCozeError(e) || isToolError(e))
      )
      if (Option.isSome(expected)) return failure(describe(expected.value))
      if (Cause.isInterruptedOnly(cause)) return failure("The request was cancelled")
      // The cause went to stderr once already (Runtime.runTool).
      return failure(internalErrorMessage)
    }
  })
