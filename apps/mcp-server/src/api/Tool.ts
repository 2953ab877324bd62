/**
 * What `api_get` and `api_request` share at the MCP edge: the input and output schemas, the lazy load of the
 * call itself, and the result mapping (a Coze failure is `isError: true`, with status, log id and body).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { Effect, Option } from "effect"
import * as z from "zod/v4"
import type { RunTool } from "../Runtime.js"
import { elicitUrl, type Request } from "../tools/login.js"
import { profile, sessionName } from "../tools/shared.js"
import type { Input, Result } from "./Call.js"

export const input = {
  profile,
  path: z
    .string()
    .min(1)
    .describe(
      "A Coze OpenAPI path starting /v1/ or /v3/, e.g. /v1/users/me or /v1/workspaces; never a full URL " +
        "(the server calls the profile's own API base)"
    ),
  query: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Query parameters, e.g. { "page_num": 1, "page_size": 20 }'),
  session_name: sessionName
}

export const output = {
  status: z.number().int().describe("The HTTP status Coze answered"),
  log_id: z.string().nullable().describe("Coze's log id (X-Tt-Logid); quote it when asking Coze support"),
  body: z
    .unknown()
    .describe("The answer: its JSON, else its text; for an event stream (SSE) the events as [{ event, data }]"),
  truncated: z.boolean().optional().describe("Set when the answer was larger than the result may be, and was cut"),
  note: z.string().optional().describe("What was cut and how to ask for less"),
  error: z.string().optional().describe("Set when Coze reported a failure: HTTP status >= 400, or code != 0")
}

/** A failure Coze reported is an error result that still carries the whole answer. */
const asToolResult = (result: CallToolResult): CallToolResult => {
  const structured = result.structuredContent as Result | undefined
  if (result.isError === true || structured?.error === undefined) return result
  const { error, ...answer } = structured
  return { ...result, isError: true, content: [{ type: "text", text: `${error}: ${JSON.stringify(answer)}` }] }
}

export const handler =
  (server: McpServer, run: RunTool) =>
  (args: Omit<Input, "sessionName"> & { readonly session_name?: string | undefined }, request: Request) => {
    const canElicit = server.server.getClientCapabilities()?.elicitation?.url !== undefined
    const channel = {
      elicitUrl: canElicit
        ? Option.some((login: Parameters<typeof elicitUrl>[2]) => elicitUrl(server, request, login))
        : Option.none()
    }
    const { session_name, ...rest } = args
    return Promise.resolve(
      run(
        Effect.flatMap(
          Effect.promise(() => import("./Call.js")),
          (Call) => Call.call({ ...rest, sessionName: session_name }, channel)
        ),
        request
      )
    ).then(asToolResult)
  }
