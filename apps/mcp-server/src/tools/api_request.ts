/** `api_request`: writes to the Coze OpenAPI (POST / PUT / PATCH / DELETE) with the profile's hidden credential. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import * as z from "zod/v4"
import { handler, input, output } from "../api/Tool.js"
import type { RunTool } from "../Runtime.js"

export const name = "api_request"

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Change something through the Coze API",
      description:
        "Calls the Coze OpenAPI with POST, PUT, PATCH or DELETE as the logged-in user (or service app) and returns " +
        "{ status, log_id, body }; use api_get for reads. Like api_get, the server attaches and renews the token, so " +
        'prefer it to the token tool. Examples: POST /v1/conversation/create with body { "meta_data": { "topic": ' +
        '"demo" } }; POST /v3/chat with body { "bot_id": "<id>", "user_id": "<end user>", "stream": true, ' +
        '"additional_messages": [{ "role": "user", "content": "hi", "content_type": "text" }] } (a stream comes ' +
        "back as its events, collected up to a bound).",
      inputSchema: {
        method: z.enum(["POST", "PUT", "PATCH", "DELETE"]).describe("The HTTP method"),
        ...input,
        body: z.unknown().optional().describe("The JSON body to send")
      },
      outputSchema: output,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true }
    },
    (args, request) => handler(server, run)({ ...args, tool: name }, request)
  )
