/** `logout`: forgets the profile's stored credential and cancels a pending login. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { Effect } from "effect"
import * as z from "zod/v4"
import { Logins } from "../Logins.js"
import { Profiles } from "../Profiles.js"
import type { RunTool } from "../Runtime.js"
import { profile } from "./shared.js"

export const name = "logout"

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Log out of Coze",
      description:
        "Forgets the profile's stored Coze credential (shared with other coze-auth instances) and cancels a " +
        "pending login. The user must log in again afterwards.",
      inputSchema: { profile },
      outputSchema: { removed: z.boolean().describe("Whether there was a credential or pending login to forget") },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false }
    },
    (args, request) =>
      run(
        Effect.gen(function* () {
          const { credentials, name } = yield* (yield* Profiles).get(args.profile)
          const cancelled = yield* (yield* Logins).cancel(name)
          const removed = yield* credentials.logout
          return { removed: removed || cancelled }
        }),
        request
      )
  )
