/**
 * `login`: starts a device or PKCE login in the background and returns at once (or, with `wait`, when it is
 * over); a JWT app mints its token on the spot. The verification URL goes to the user through MCP URL
 * elicitation where the client supports it, so it never has to pass through the model; otherwise the result
 * carries it with an advisory that the user, not the model, opens it.
 */

import { randomUUID } from "node:crypto"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js"
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js"
import { DateTime, Deferred, Duration, Effect, Option, Schedule } from "effect"
import * as z from "zod/v4"
import { Logins, type PendingLogin } from "../Logins.js"
import type { RunTool } from "../Runtime.js"
import { Settings } from "../Settings.js"
import { LoginDeclined } from "../ToolError.js"
import { expiresAt, profile, sandboxNote, toIso } from "./shared.js"

export const name = "login"

type Request = RequestHandlerExtra<ServerRequest, ServerNotification>

const input = {
  profile,
  flow: z
    .enum(["device", "pkce", "jwt"])
    .optional()
    .describe("The login flow; picks the first profile whose app has it when no profile is named"),
  workspace_id: z.string().min(1).optional().describe("Authorize for this Coze workspace only"),
  wait: z
    .boolean()
    .optional()
    .describe(
      "Block until the user approved or the login expired (with progress notifications), once the user has the URL"
    ),
  force: z.boolean().optional().describe("Log in again even when the profile is logged in already")
}

const output = {
  status: z.enum(["pending", "authenticated"]),
  profile: z.string(),
  expires_at: expiresAt.describe("pending: when the login expires; authenticated: when the token expires"),
  verification_url: z.string().optional().describe("The page where the user approves the login"),
  user_code: z.string().optional().describe("The code the user confirms on that page (device flow)"),
  sent_to_user: z.boolean().optional().describe("Whether the client already showed the URL to the user"),
  advisory: z.string().optional(),
  sandbox: z.boolean().describe("true: logged in to the embedded emulator, not to Coze (see advisory)")
}

const secondsLeft = (login: PendingLogin) =>
  Effect.map(DateTime.now, (now) =>
    Math.max(0, Math.round(Duration.toSeconds(DateTime.distanceDuration(now, login.expiresAt))))
  )

/** Shows the URL to the user through the client (MCP URL elicitation); `None` when the client cannot. */
const elicitUrl = (server: McpServer, request: Request, login: PendingLogin) => {
  if (server.server.getClientCapabilities()?.elicitation?.url === undefined) return Effect.succeedNone
  const code = Option.match(login.userCode, { onNone: () => "", onSome: (code) => ` and confirm the code ${code}` })
  return Effect.tryPromise(() =>
    server.server.elicitInput(
      {
        mode: "url",
        elicitationId: randomUUID(),
        url: login.verificationUrl,
        message: `Sign in to Coze (coze-auth profile "${login.profile}"): open this page${code}, then approve.`
      },
      { relatedRequestId: request.requestId }
    )
  ).pipe(
    Effect.map((result) => Option.some(result.action)),
    Effect.orElseSucceed(() => Option.none())
  )
}

/** Progress notifications (seconds left) while waiting, when the request asked for them. */
const reportProgress = (request: Request, login: PendingLogin): Effect.Effect<never> => {
  const progressToken = request._meta?.progressToken
  if (progressToken === undefined) return Effect.never
  return Effect.gen(function* () {
    const total = yield* secondsLeft(login)
    const tick = secondsLeft(login).pipe(
      Effect.flatMap((left) =>
        Effect.tryPromise(() =>
          request.sendNotification({
            method: "notifications/progress",
            params: {
              progressToken,
              progress: total - left,
              total,
              message: `${left} seconds left to approve the login`
            }
          })
        )
      ),
      Effect.ignore
    )
    return yield* tick.pipe(Effect.repeat(Schedule.spaced("5 seconds")), Effect.zipRight(Effect.never))
  })
}

/** The page without the code in its query: once the user has the code, the model needs neither. */
const withoutUserCode = (url: string) => {
  const page = new URL(url)
  page.searchParams.delete("user_code")
  return page.toString()
}

const authenticated = (profile: string, expiry: Option.Option<DateTime.Utc>) => ({
  status: "authenticated" as const,
  profile,
  expires_at: toIso(expiry)
})

/** Every login result says whether it is the sandbox's, so neither the model nor the user mistakes it for Coze. */
const marked = <A extends object>(result: A, sandbox: boolean) => {
  if (!sandbox) return { ...result, sandbox }
  const advisory = "advisory" in result ? `${sandboxNote} ${String(result.advisory)}` : sandboxNote
  return { ...result, advisory, sandbox }
}

export const register = (server: McpServer, run: RunTool) =>
  server.registerTool(
    name,
    {
      title: "Log in to Coze",
      description:
        "Logs the user in to Coze. Device and PKCE logins return at once with status pending while the user approves " +
        "in their browser; the user, not you, opens verification_url. Then call login with wait: true to block until " +
        "they approved. A JWT (service) app is authenticated at once. A call while a login is pending returns it, and " +
        "a profile that is logged in already stays so (force: true logs in again).",
      inputSchema: input,
      outputSchema: output,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }
    },
    (args, request) =>
      run(
        Effect.gen(function* () {
          const { sandbox } = yield* Settings
          return marked(yield* loginResult(server, args, request), sandbox)
        }),
        request
      )
  )

const loginResult = (
  server: McpServer,
  args: {
    readonly profile?: string | undefined
    readonly flow?: "device" | "pkce" | "jwt" | undefined
    readonly workspace_id?: string | undefined
    readonly wait?: boolean | undefined
    readonly force?: boolean | undefined
  },
  request: Request
) =>
  Effect.gen(function* () {
    const logins = yield* Logins
    const started = yield* logins.start({
      profile: args.profile,
      flow: args.flow,
      workspaceId: Option.fromNullable(args.workspace_id),
      force: args.force === true
    })
    if (started._tag === "Authenticated") return authenticated(started.profile, started.expiresAt)
    const { fresh, login } = started
    const elicited = fresh ? yield* elicitUrl(server, request, login) : Option.none()
    if (Option.isSome(elicited) && elicited.value !== "accept") {
      yield* logins.cancel(login.profile)
      return yield* new LoginDeclined({ profile: login.profile })
    }
    // Waiting makes sense only once the user can have the URL: sent by elicitation, or returned earlier.
    if (args.wait === true && (!fresh || Option.isSome(elicited))) {
      const token = yield* Deferred.await(login.outcome).pipe(Effect.raceFirst(reportProgress(request, login)))
      return authenticated(login.profile, token.expiresAt)
    }
    const sentToUser = Option.isSome(elicited)
    return {
      status: "pending" as const,
      profile: login.profile,
      expires_at: DateTime.formatIso(login.expiresAt),
      verification_url: sentToUser ? withoutUserCode(login.verificationUrl) : login.verificationUrl,
      ...(sentToUser
        ? {}
        : Option.match(login.userCode, { onNone: () => ({}), onSome: (user_code) => ({ user_code }) })),
      sent_to_user: sentToUser,
      ...(sentToUser
        ? {}
        : {
            advisory:
              "Show the user verification_url (and user_code, if any) and ask them to open it in their own browser " +
              "and approve; do not open it yourself. Then call login with wait: true to wait for the approval."
          })
    }
  })
