/** `logout`: forgets the profile's stored credential and cancels a pending login. */

import { Profiles } from "@coze-auth/profiles/Profiles"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { Effect } from "effect"
import * as z from "zod/v4"
import { Logins } from "../Logins.js"
import type { RunTool } from "../Runtime.js"
import { profile } from "./shared.js"

export const name = "logout"

/** Coze has no token revocation endpoint (reference: coze-protocol §4): only the console ends access now. */
const revocationNote = (flow: string, wwwBase: string) =>
  flow === "token"
    ? "A static token (PAT or SAT) stays valid at Coze until it expires, whatever coze-auth forgets; a token set " +
      `in the environment is still read from there. Delete it in the Coze console (${wwwBase}/open/oauth/pats) to end it now.`
    : "coze-auth forgot the credential here. Coze has no token revocation endpoint, so an access token already " +
      "handed out stays valid until its expires_at (at most 15 minutes for user logins, the token's duration for " +
      `service apps). To end the app's access at once, revoke its authorization or disable the app in the Coze ` +
      `console's OAuth apps page (${wwwBase}/open/oauth/apps).`

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Log out of Coze",
      description:
        "Forgets the profile's stored Coze credential (shared with other coze-auth instances) and cancels a " +
        "pending login. The user must log in again afterwards. Coze has no revocation endpoint: tokens already " +
        "handed out stay valid until they expire (see note).",
      inputSchema: { profile },
      outputSchema: {
        removed: z.boolean().describe("Whether there was a credential or pending login to forget"),
        note: z.string().describe("What logging out does not do, and where the user revokes the app's access")
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false }
    },
    (args, request) =>
      run(
        Effect.gen(function* () {
          const { credentials, flow, name, region } = yield* (yield* Profiles).get(args.profile)
          const cancelled = yield* (yield* Logins).cancel(name)
          const removed = yield* credentials.logout
          return { removed: removed || cancelled, note: revocationNote(flow, region.wwwBase) }
        }),
        request
      )
  )
