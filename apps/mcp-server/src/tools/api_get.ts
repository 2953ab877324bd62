/** `api_get`: reads from the Coze OpenAPI with the profile's credential, which the model never sees. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { handler, input, output } from "../api/Tool.js"
import type { RunTool } from "../Runtime.js"

export const name = "api_get"

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Read from the Coze API",
      description:
        "Calls GET on the Coze OpenAPI as the logged-in user (or service app) and returns { status, log_id, body }. " +
        "Prefer this to the token tool: the server attaches and renews the access token itself, so no token enters " +
        "the conversation and no shell or curl is needed. Examples: /v1/users/me (who is logged in), /v1/workspaces " +
        '(query { "page_num": 1, "page_size": 10 }), /v1/bots (query { "workspace_id": "<id from /v1/workspaces>" }). ' +
        "A profile that is not logged in gets its login started (or you are told to call login).",
      inputSchema: input,
      outputSchema: output,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true }
    },
    (args, request) => handler(server, run)({ ...args, tool: name, method: "GET" }, request)
  )
