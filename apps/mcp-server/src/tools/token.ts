/**
 * `token`: a valid access token for the profile, refreshed first when it is due. The only tool whose result
 * holds a secret; `COZE_AUTH_MCP_TOKEN_TOOL=off` leaves it unregistered (see tools/index.ts).
 */

import type { Token } from "@coze-auth/core/Token"
import type { Profile } from "@coze-auth/profiles/Profile"
import * as Profiles from "@coze-auth/profiles/Profiles"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { DateTime, Duration, Effect, Option, Redacted } from "effect"
import * as z from "zod/v4"
import { credentialsFor } from "../api/Session.js"
import type { RunTool } from "../Runtime.js"
import { success } from "../ToolResult.js"
import { expiresAt, profile, sessionName, toIso } from "./shared.js"

export const name = "token"

const input = {
  profile,
  min_valid_seconds: z
    .number()
    .int()
    .min(0)
    .max(86_399)
    .optional()
    .describe("Refresh first unless the token stays valid at least this long"),
  session_name: sessionName
}

const output = {
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_at: expiresAt,
  api_base: z.string().describe("The Coze OpenAPI base URL the token is valid for"),
  note: z.string().optional().describe("Set when the token does not stay valid as long as min_valid_seconds asked")
}

/** No token lives longer than Coze grants: asking more gets the freshest there is, and the model is told. */
const shortOf = (expiry: Option.Option<DateTime.Utc>, minValidSeconds: number) =>
  Effect.map(DateTime.now, (now) =>
    Option.flatMap(expiry, (at) => {
      const left = Math.floor(Duration.toSeconds(DateTime.distanceDuration(now, at)))
      return left >= minValidSeconds
        ? Option.none()
        : Option.some(
            `min_valid_seconds ${minValidSeconds} is longer than this profile's tokens live: this one was just ` +
              `renewed and stays valid for ${left} seconds (until expires_at); call token again when you need more`
          )
    })
  )

const noNote = Effect.succeed(Option.none<string>())

interface Args {
  readonly profile?: string | undefined
  readonly min_valid_seconds?: number | undefined
  readonly session_name?: string | undefined
}

const answer = (token: Token, profile: Profile, note: Option.Option<string>) => ({
  access_token: Redacted.value(token.accessToken),
  token_type: "Bearer" as const,
  expires_at: toIso(token.expiresAt),
  api_base: profile.region.apiBase,
  ...Option.match(note, { onNone: () => ({}), onSome: (note) => ({ note }) })
})

const program = (args: Args, profiles: Effect.Effect<Profiles.Service, never, Profiles.Profiles>) =>
  Effect.flatMap(profiles, (profiles) =>
    Effect.flatMap(profiles.get(args.profile), (profile) =>
      credentialsFor(profile, args.session_name).pipe(
        Effect.flatMap((credentials) => credentials.token({ minValidSeconds: args.min_valid_seconds })),
        Effect.flatMap((token) =>
          Effect.map(
            args.min_valid_seconds === undefined ? noNote : shortOf(token.expiresAt, args.min_valid_seconds),
            (note) => answer(token, profile, note)
          )
        )
      )
    )
  )

export const register = (server: McpServer, run: RunTool) => {
  // A plain `token` call whose token is in memory and fresh is the hot path of the tool: once a call has found
  // the profiles, it is answered on the spot, without a fiber (docs/benchmarks.md, "MCP server"). Everything
  // else (a renewal, `min_valid_seconds`' note, a session's token, an error) runs the program.
  let found: Profiles.Service | undefined
  const profiles = Effect.tap(Profiles.Profiles, (service) => {
    found = service
  })
  const onTheSpot = (args: Args) => {
    if (found === undefined || args.min_valid_seconds !== undefined || args.session_name !== undefined) return
    const profile = Option.getOrUndefined(found.find(args.profile))
    if (profile === undefined) return
    const token = Option.getOrUndefined(profile.credentials.unsafeFreshToken())
    return token === undefined ? undefined : success(answer(token, profile, Option.none()))
  }
  return server.registerTool(
    name,
    {
      title: "Get a Coze access token",
      description:
        "Returns a valid Coze access token for the profile (refreshing it first when due) and the API base to call. " +
        "Use it as `Authorization: Bearer <access_token>`; do not show it to the user or store it. Only for programs " +
        "that must call Coze themselves: to call the API from here, use api_get / api_request instead, which keep " +
        "the token out of the conversation.",
      inputSchema: input,
      outputSchema: output,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }
    },
    (args, request) => onTheSpot(args) ?? run(program(args, profiles), request)
  )
}
