/** `status`: where each profile stands (never a token, never a login code), and what is misconfigured. */
import type { Profile } from "@coze-auth/profiles/Profile"
import { Profiles } from "@coze-auth/profiles/Profiles"
import * as Status from "@coze-auth/profiles/Status"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { DateTime, Effect, Either, Option } from "effect"
import * as z from "zod/v4"
import { Logins } from "../Logins.js"
import type { RunTool } from "../Runtime.js"
import { Settings } from "../Settings.js"
import { expiresAt, profile, sandboxNote } from "./shared.js"

export const name = "status"

const ProfileStatus = z.object({
  profile: z.string(),
  region: z.enum(["com", "cn", "custom"]).describe("coze.com, coze.cn or a custom deployment such as the sandbox"),
  api_base: z.string(),
  flow: z.enum(["token", "web", "pkce", "device", "jwt"]),
  store: z
    .object({
      kind: z.enum(["file", "memory", "keychain", "redis", "env"]),
      location: z.string(),
      encrypted: z.boolean()
    })
    .describe("Where the credential is kept (env: a static token read from that environment variable)"),
  authenticated: z.boolean().describe("A credential is held; it may have expired (see valid and expired)"),
  valid: z.boolean().describe("A credential is held and has not expired: usable right now"),
  expires_at: expiresAt,
  refreshable: z.boolean().describe("The credential can be renewed without the user (the token tool does it)"),
  expired: z.boolean().describe("The credential's expiry has passed; the token tool renews it when refreshable"),
  pending_login: z
    .object({ flow: z.string(), expires_at: z.string() })
    .nullable()
    .describe("A login waiting for the user to approve it; call login again to see its URL"),
  last_login_error: z.string().nullable().describe("Why the last login failed, until the next one")
})

const output = {
  mode: z.enum(["real", "sandbox"]).describe("sandbox: an embedded emulator, not Coze; nothing reaches coze.com/cn"),
  note: z.string().optional(),
  profiles: z.array(ProfileStatus),
  errors: z
    .array(z.object({ profile: z.string(), error: z.string() }))
    .describe("Configured profiles that cannot be used, each with what to fix"),
  config_error: z.string().nullable().describe("A profiles.json that cannot be read at all")
}

const modeOf = (sandbox: boolean) =>
  sandbox ? { mode: "sandbox" as const, note: sandboxNote } : { mode: "real" as const }

const statusOf = (profile: Profile) =>
  Effect.gen(function* () {
    const logins = yield* Logins
    const status = yield* Status.of(profile, (yield* Profiles).store)
    const pending = yield* logins.pending(profile.name)
    const failure = yield* logins.lastFailure(profile.name)
    return {
      ...status,
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
        "Shows each Coze profile (or one): its region and API base, flow, whether its credential is valid now, " +
        "until when, whether it can refresh, where it is stored, any pending login, and every configuration " +
        "error. mode sandbox means an embedded emulator, not Coze. Never shows a token.",
      inputSchema: { profile },
      outputSchema: output,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
    },
    (args, request) =>
      run(
        Effect.gen(function* () {
          const profiles = yield* Profiles
          const { sandbox } = yield* Settings
          if (args.profile !== undefined) {
            const one = yield* statusOf(yield* profiles.get(args.profile))
            return { ...modeOf(sandbox), profiles: [one], errors: [], config_error: null }
          }
          // One profile whose store cannot be read is reported with the others, not instead of them.
          const statuses = yield* Effect.forEach(profiles.all, (p) =>
            Effect.either(statusOf(p)).pipe(
              Effect.map(Either.mapLeft((error) => ({ profile: p.name, error: error.message })))
            )
          )
          return {
            ...modeOf(sandbox),
            profiles: statuses.flatMap((s) => (Either.isRight(s) ? [s.right] : [])),
            errors: [
              ...profiles.broken.map((b) => ({ profile: b.name, error: b.error.message })),
              ...statuses.flatMap((s) => (Either.isLeft(s) ? [s.left] : []))
            ],
            config_error: Option.getOrNull(Option.map(profiles.fileError, (e) => e.message))
          }
        }),
        request
      )
  )
