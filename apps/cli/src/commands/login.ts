/**
 * `login`: the device flow by default, PKCE in the browser with `--web`, a pasted PAT/SAT with `--with-token`
 * (read from stdin, never argv, and checked before it is stored). On a terminal the code and URL stand out
 * and a countdown runs until the code expires; elsewhere the same in plain lines. Ctrl+C cancels: the login
 * fiber is interrupted before it stores anything.
 */
import * as Browser from "@coze-auth/node/Browser"
import type { LoginHandle } from "@coze-auth/node/Login"
import type { Profile } from "@coze-auth/profiles/Profile"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Status from "@coze-auth/profiles/Status"
import { Command, Options } from "@effect/cli"
import { Console, DateTime, Duration, Effect, Option, type Redacted, Schedule } from "effect"
import { CliFailure, usage } from "../Failure.js"
import { bold, clearLine, clock, isTerminal, relative, validUntil } from "../Output.js"
import * as Users from "../Users.js"
import * as WithToken from "../WithToken.js"
import { describe, findProfile, flowName, profileOption } from "./shared.js"

const options = {
  profile: profileOption,
  web: Options.boolean("web").pipe(Options.withDescription("log in in the browser (PKCE app) instead of with a code")),
  withToken: Options.boolean("with-token").pipe(
    Options.withDescription("store a personal or service access token read from standard input")
  ),
  noBrowser: Options.boolean("no-browser").pipe(
    Options.withDescription("with --web: print the URL instead of opening a browser")
  ),
  workspace: Options.text("workspace").pipe(
    Options.withDescription("authorize for this Coze workspace only"),
    Options.optional
  )
}

const write = (text: string) => Effect.sync(() => process.stdout.write(text))

/** Why the browser will not be opened, if it will not. */
const noBrowserReason = (noBrowser: boolean): Option.Option<string> => {
  if (noBrowser) return Option.some("--no-browser")
  if (process.env.SSH_CONNECTION !== undefined || process.env.SSH_TTY !== undefined)
    return Option.some("this is an SSH session")
  return Option.none()
}

/** Until the user answers: a live countdown on a terminal; nothing more elsewhere. */
const awaitAnswer = (handle: LoginHandle, terminal: boolean) =>
  Effect.gen(function* () {
    const what = handle.pending.flow === "device" ? "code" : "login"
    if (terminal) {
      const tick = Effect.flatMap(DateTime.now, (now) => {
        const left = Duration.toSeconds(DateTime.distanceDuration(now, handle.pending.expiresAt))
        return write(`${clearLine}Waiting for you to approve… the ${what} expires in ${clock(left)} (Ctrl+C to cancel)`)
      })
      yield* tick.pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.forkScoped)
    } else {
      const now = yield* DateTime.now
      yield* Console.log(
        `Waiting for you to approve; the ${what} expires ${relative(now, handle.pending.expiresAt)} (${DateTime.formatIso(handle.pending.expiresAt)}).`
      )
    }
    return yield* handle.completion
  }).pipe(
    Effect.scoped,
    Effect.ensuring(terminal ? write(clearLine) : Effect.void),
    Effect.onInterrupt(() => Console.error("coze-auth: login cancelled; nothing was stored"))
  )

const showDevice = (profile: Profile, handle: LoginHandle, terminal: boolean) =>
  Effect.gen(function* () {
    const code = Option.getOrElse(handle.pending.userCode, () => "")
    const url = handle.pending.verificationUrl
    if (terminal) {
      yield* Console.log(`\n! Your one-time code: ${bold(code)}`)
      yield* Console.log(`  Open ${bold(url)}\n  and approve the login for profile "${profile.name}".\n`)
    } else {
      yield* Console.log(`To log in to profile "${profile.name}", open this URL: ${url}`)
      yield* Console.log(`and confirm the code: ${code}`)
    }
  })

const showPkce = (profile: Profile, handle: LoginHandle, terminal: boolean, noBrowser: boolean) =>
  Effect.gen(function* () {
    const url = handle.pending.verificationUrl
    const reason = noBrowserReason(noBrowser)
    const opened = Option.isSome(reason)
      ? Option.none<string>()
      : yield* Effect.flatMap(Browser.Browser, (browser) => browser.open(url)).pipe(
          Effect.as(Option.none<string>()),
          Effect.catchAll((error) => Effect.succeed(Option.some(error.description)))
        )
    const why = Option.orElse(reason, () => opened)
    if (Option.isNone(why)) {
      yield* Console.log(`Opened your browser to log in to profile "${profile.name}". If it did not open, go to:`)
    } else {
      yield* Console.log(`Not opening a browser (${why.value}). To log in to profile "${profile.name}", open:`)
    }
    yield* Console.log(terminal ? `\n  ${bold(url)}\n` : url)
    if (process.env.SSH_CONNECTION !== undefined) {
      const port = new URL(new URL(url).searchParams.get("redirect_uri") ?? "http://127.0.0.1").port
      yield* Console.log(
        `The browser returns to 127.0.0.1:${port} on this machine: forward it first (ssh -L ${port}:127.0.0.1:${port}), ` +
          "or use a device app, which needs no redirect."
      )
    }
  })

const loggedIn = (profile: Profile, expiresAt: Option.Option<DateTime.Utc>, accessToken: Redacted.Redacted) =>
  Effect.gen(function* () {
    const user = yield* Users.known(profile.region, accessToken)
    const who = Option.match(user, { onNone: () => "", onSome: (user) => ` as ${user.display}` })
    const { store } = yield* Status.of(profile, (yield* Profiles.Profiles).store)
    yield* Console.log(`Logged in to profile "${profile.name}" (${profile.region.apiBase})${who}.`)
    yield* Console.log(
      `Token valid until ${validUntil(yield* DateTime.now, expiresAt)}; stored in ${store.kind} ${store.location}.`
    )
  })

const interactive = (
  profile: Profile,
  args: { readonly workspace: Option.Option<string>; readonly noBrowser: boolean }
) =>
  Effect.gen(function* () {
    const terminal = isTerminal()
    const start = yield* profile.login({ workspaceId: args.workspace })
    if (start._tag === "Immediate") {
      // A service (JWT) app: minting a token proved the app works; nothing else to do.
      yield* Console.log(
        `Profile "${profile.name}" is a ${flowName[profile.flow]}: it needs no login; coze-auth gets tokens by itself. ` +
          `A token was obtained, valid until ${validUntil(yield* DateTime.now, start.token.expiresAt)}.`
      )
      return
    }
    const { handle } = start
    if (handle.pending.flow === "device") yield* showDevice(profile, handle, terminal)
    else yield* showPkce(profile, handle, terminal, args.noBrowser)
    const token = yield* awaitAnswer(handle, terminal)
    yield* loggedIn(profile, token.expiresAt, token.accessToken)
  }).pipe(Effect.scoped)

/** `--web` with no profile named: the first PKCE profile. */
const chooseProfile = (name: Option.Option<string>, web: boolean) =>
  Effect.gen(function* () {
    if (Option.isSome(name) || !web) return yield* findProfile(name)
    const { all } = yield* Profiles.Profiles
    const pkce = all.find((profile) => profile.flow === "pkce")
    if (pkce === undefined)
      return yield* new CliFailure({
        message:
          "--web needs a PKCE app and no profile has one; set COZE_PKCE_OAUTH_CLIENT_ID or add a pkce profile (coze-auth profiles add)"
      })
    return pkce
  })

export const command = Command.make("login", options, (args) =>
  Effect.gen(function* () {
    if (args.withToken) {
      if (args.web) return yield* usage("--with-token and --web exclude each other")
      return yield* WithToken.login(Option.getOrElse(args.profile, () => "default"))
    }
    const profile = yield* chooseProfile(args.profile, args.web)
    if (args.web && profile.flow !== "pkce")
      return yield* usage(`profile "${profile.name}" is a ${flowName[profile.flow]}; --web needs a PKCE app`)
    if (profile.flow === "token")
      return yield* Console.log(
        `Profile "${profile.name}" uses a personal or service access token: there is nothing to log in. ` +
          `To store another one: coze-auth login --with-token --profile ${profile.name} < token.txt`
      )
    yield* interactive(profile, args)
  })
).pipe(
  describe(
    "Logs in to Coze: with a one-time code (device app, the default), in the browser (--web, PKCE app), or by " +
      "storing a personal access token read from standard input (--with-token). Service (JWT) apps need no login: " +
      "login checks that a token can be obtained. The credential goes to the token store the MCP server and " +
      "Effect programs share.",
    "coze-auth login",
    "coze-auth login --web --profile browser",
    "coze-auth login --with-token --profile pat < token.txt"
  )
)
