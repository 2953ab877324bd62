/**
 * One `ManagedRuntime` for the whole process: every tool call of every MCP session runs through it, so the
 * profiles, their in-memory token caches and the pending logins are shared. Disposing it cancels pending
 * logins and stops the sandbox's emulator.
 */
import * as CozeError from "@coze-auth/core/CozeError"
import type { Profiles } from "@coze-auth/profiles/Profiles"
import type { HttpClient } from "@effect/platform"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { Cause, Effect, Exit, HashMap, type Layer, Logger, ManagedRuntime, Option } from "effect"
import type { Logins } from "./Logins.js"
import type { Settings } from "./Settings.js"
import { isToolError, type ToolError } from "./ToolError.js"
import { toCallToolResult } from "./ToolResult.js"

/** The HTTP client is the one the profiles' flows use; `api_get` / `api_request` call the OpenAPI with it. */
export type Services = Profiles | Logins | Settings | HttpClient.HttpClient

export type AppRuntime = ManagedRuntime.ManagedRuntime<Services, CozeError.CozeError>

/**
 * Every line the server writes goes through Effect's logger, to stderr (on stdio, stdout carries nothing but
 * protocol messages): `coze-auth: <message>`, annotations as `key=value`, and a failure's cause below it.
 * Secrets are `Redacted` throughout, so what a cause prints is redacted too.
 */
export const stderrLogger = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, cause, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    const tags = HashMap.toEntries(annotations).map(([key, value]) => ` ${key}=${String(value)}`)
    const detail = Cause.isEmpty(cause) ? "" : `\n${Cause.pretty(cause, { renderErrorCause: true })}`
    process.stderr.write(`${text.startsWith("coze-auth") ? text : `coze-auth: ${text}`}${tags.join("")}${detail}\n`)
  })
)

/** Failures worth the full cause on stderr: defects, and expected errors that wrap an unknown cause (an I/O fault). */
const unexpected = (cause: Cause.Cause<unknown>) =>
  !Cause.isInterruptedOnly(cause) &&
  Option.match(Cause.failureOption(cause), {
    onNone: () => true,
    onSome: (error) =>
      isToolError(error) ? false : !CozeError.isCozeError(error) || ("cause" in error && error.cause !== undefined)
  })

/** Logged once, where the tool's outcome is known; the result itself says only the one line. */
const logUnexpected = (runtime: AppRuntime, exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isFailure(exit) && unexpected(exit.cause)) {
    runtime.runFork(Effect.logError("coze-auth: tool failed unexpectedly", exit.cause))
  }
}

export const make = (layer: Layer.Layer<Services, CozeError.CozeError>): AppRuntime => ManagedRuntime.make(layer)

/**
 * Runs a tool's program, cancelled when the client cancels the request, and maps the outcome. A program that
 * does not suspend (a cached token) is answered on the spot, without a promise (the SDK awaits either).
 */
export type RunTool = <A extends Record<string, unknown>>(
  program: Effect.Effect<A, CozeError.CozeError | ToolError, Services>,
  request: { readonly signal: AbortSignal }
) => CallToolResult | Promise<CallToolResult>

const settle = (runtime: AppRuntime, exit: Exit.Exit<Record<string, unknown>, unknown>) => {
  logUnexpected(runtime, exit)
  return toCallToolResult(exit)
}

export const runTool =
  (runtime: AppRuntime): RunTool =>
  (program, { signal }) => {
    // The fiber starts on the spot, so a call that never suspends is done here and needs no abort listener
    // nor the runtime's promise: ~20 µs of a stdio round trip (docs/benchmarks.md).
    const fiber = runtime.runFork(program)
    const done = fiber.unsafePoll()
    if (done !== null) return settle(runtime, done)
    const cancel = () => fiber.unsafeInterruptAsFork(fiber.id())
    if (signal.aborted) cancel()
    else signal.addEventListener("abort", cancel, { once: true })
    return new Promise((resolve) =>
      fiber.addObserver((exit) => {
        signal.removeEventListener("abort", cancel)
        resolve(settle(runtime, exit))
      })
    )
  }
