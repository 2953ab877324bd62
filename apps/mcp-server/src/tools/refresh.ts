/** `refresh`: renews the profile's token now, whatever its expiry. */

import { Profiles } from "@coze-auth/profiles/Profiles"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { Effect } from "effect"
import type { RunTool } from "../Runtime.js"
import { expiresAt, profile, toIso } from "./shared.js"

export const name = "refresh"

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Refresh the Coze token",
      description:
        "Renews the profile's access token now (with its refresh token, or a new JWT for service apps). " +
        "Only needed when Coze rejected a token early; the token tool refreshes by itself. A static token " +
        "(PAT) cannot be refreshed, and says so.",
      inputSchema: { profile },
      outputSchema: { expires_at: expiresAt },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }
    },
    (args, request) =>
      run(
        Effect.gen(function* () {
          const token = yield* (yield* (yield* Profiles).get(args.profile)).refresh
          return { expires_at: toIso(token.expiresAt) }
        }),
        request
      )
  )
