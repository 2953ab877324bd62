/** `status`: where each profile stands (never a token, never a login code). */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { DateTime, Effect, Option } from "effect"
import * as z from "zod/v4"
import { Logins } from "../Logins.js"
import { type Profile, Profiles } from "../Profiles.js"
import type { RunTool } from "../Runtime.js"
import { expiresAt, profile, toIso } from "./shared.js"

export const name = "status"

const ProfileStatus = z.object({
  profile: z.string(),
  region: z.enum(["com", "cn", "custom"]).describe("coze.com, coze.cn or a custom deployment such as the sandbox"),
  api_base: z.string(),
  flow: z.enum(["token", "web", "pkce", "device", "jwt"]),
  authenticated: z.boolean(),
  expires_at: expiresAt,
  refreshable: z.boolean(),
  storage: z.string().describe("Where the credential is kept: a file path, memory, or static (from the environment)"),
  pending_login: z
    .object({ flow: z.string(), expires_at: z.string() })
    .nullable()
    .describe("A login waiting for the user to approve it; call login again to see its URL"),
  last_login_error: z.string().nullable().describe("Why the last login failed, until the next one")
})

const statusOf = (profile: Profile) =>
  Effect.gen(function* () {
    const logins = yield* Logins
    const status = yield* profile.credentials.status
    const pending = yield* logins.pending(profile.name)
    const failure = yield* logins.lastFailure(profile.name)
    return {
      profile: profile.name,
      region: profile.region.name,
      api_base: profile.region.apiBase,
      flow: profile.flow,
      authenticated: status.authenticated,
      expires_at: toIso(status.expiresAt),
      refreshable: status.refreshable,
      storage: status.location,
      pending_login: Option.getOrNull(
        Option.map(pending, (login) => ({ flow: login.flow, expires_at: DateTime.formatIso(login.expiresAt) }))
      ),
      last_login_error: Option.getOrNull(Option.map(failure, (error) => error.message))
    }
  })

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Coze login status",
      description:
        "Shows each Coze profile (or one): its region and API base, flow, whether it is logged in and until when, " +
        "whether it can refresh, where the credential is stored, and any pending login. Never shows a token.",
      inputSchema: { profile },
      outputSchema: { profiles: z.array(ProfileStatus) },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
    },
    (args, request) =>
      run(
        Effect.gen(function* () {
          const profiles = yield* Profiles
          const chosen = args.profile === undefined ? profiles.all : [yield* profiles.get(args.profile)]
          return { profiles: yield* Effect.forEach(chosen, statusOf) }
        }),
        request
      )
  )
