/**
 * One `ManagedRuntime` for the whole process: every tool call of every MCP session runs through it, so the
 * profiles, their in-memory token caches and the pending logins are shared. Disposing it cancels pending
 * logins and stops the sandbox's emulator.
 */
import type * as CozeError from "@coze-auth/core/CozeError"
import type { HttpClient } from "@effect/platform"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { type Effect, type Layer, Logger, ManagedRuntime } from "effect"
import type { Logins } from "./Logins.js"
import type { Profiles } from "./Profiles.js"
import type { Settings } from "./Settings.js"
import type { ToolError } from "./ToolError.js"
import { toCallToolResult } from "./ToolResult.js"

/** The HTTP client is the one the profiles' flows use; `api_get` / `api_request` call the OpenAPI with it. */
export type Services = Profiles | Logins | Settings | HttpClient.HttpClient

export type AppRuntime = ManagedRuntime.ManagedRuntime<Services, CozeError.CozeError>

/** Logs go to stderr: on stdio, stdout carries nothing but protocol messages. */
export const stderrLogger = Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))

export const make = (layer: Layer.Layer<Services, CozeError.CozeError>): AppRuntime => ManagedRuntime.make(layer)

/** Runs a tool's program, cancelled when the client cancels the request, and maps the outcome. */
export type RunTool = <A extends Record<string, unknown>>(
  program: Effect.Effect<A, CozeError.CozeError | ToolError, Services>,
  request: { readonly signal: AbortSignal }
) => Promise<CallToolResult>

export const runTool =
  (runtime: AppRuntime): RunTool =>
  (program, { signal }) => {
    // The fiber starts on the spot, so a call that never suspends (a cached token) is done here and needs no
    // abort listener nor the runtime's promise: ~20 µs of a stdio round trip (docs/benchmarks.md).
    const fiber = runtime.runFork(program)
    const done = fiber.unsafePoll()
    if (done !== null) return Promise.resolve(toCallToolResult(done))
    const cancel = () => fiber.unsafeInterruptAsFork(fiber.id())
    if (signal.aborted) cancel()
    else signal.addEventListener("abort", cancel, { once: true })
    return new Promise((resolve) =>
      fiber.addObserver((exit) => {
        signal.removeEventListener("abort", cancel)
        resolve(toCallToolResult(exit))
      })
    )
  }
