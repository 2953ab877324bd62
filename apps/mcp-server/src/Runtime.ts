/**
 * One `ManagedRuntime` for the whole process: every tool call of every MCP session runs through it, so the
 * profiles, their in-memory token caches and the pending logins are shared. Disposing it cancels pending
 * logins and stops the sandbox's emulator.
 */
import type * as CozeError from "@coze-auth/core/CozeError"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { type Effect, type Layer, Logger, ManagedRuntime } from "effect"
import type { Logins } from "./Logins.js"
import type { Profiles } from "./Profiles.js"
import type { Settings } from "./Settings.js"
import type { ToolError } from "./ToolError.js"
import { toCallToolResult } from "./ToolResult.js"

export type Services = Profiles | Logins | Settings

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
  (program, { signal }) =>
    runtime.runPromiseExit(program, { signal }).then(toCallToolResult)
