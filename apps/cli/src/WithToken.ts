/**
 * `login --with-token`: a personal or service access token read from standard input (never argv, which `ps`
 * shows), checked against `/v1/users/me`, then stored in the shared token store under the profile. A profile
 * that does not exist yet is added to profiles.json as a token profile of the region `COZE_API_BASE` names.
 */

import * as CozeError from "@coze-auth/core/CozeError"
import * as Region from "@coze-auth/core/Region"
import { Token } from "@coze-auth/core/Token"
import { TokenStore } from "@coze-auth/core/TokenStore"
import * as Home from "@coze-auth/profiles/Home"
import type * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import * as Profiles from "@coze-auth/profiles/Profiles"
import { Prompt } from "@effect/cli"
import { Console, DateTime, Effect, Option, Redacted } from "effect"
import { flowName } from "./commands/shared.js"
import { CliFailure, usage } from "./Failure.js"
import * as ProfilesFile from "./ProfilesFile.js"
import * as Users from "./Users.js"

/** Options of `login` that take a value: anything else after `--with-token` not starting with `-` is a token. */
const valued = new Set(["--profile", "-p", "--workspace"])

/**
 * A token given on the command line (`login --with-token czs_…`) is refused before @effect/cli would echo it
 * back in its "unknown argument" message.
 */
export const argvProblem = (argv: ReadonlyArray<string>): string | undefined => {
  if (argv[0] !== "login" || !argv.includes("--with-token")) return undefined
  const stray = argv.slice(1).some((arg, i, rest) => !arg.startsWith("-") && !valued.has(rest[i - 1] ?? ""))
  return stray
    ? "--with-token reads the token from standard input, never from the command line (ps shows it): " +
        "coze-auth login --with-token < token.txt"
    : undefined
}

const readStdin = Effect.async<string>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.once("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
  return Effect.sync(() => process.stdin.destroy())
})

/** A terminal gets a prompt that does not echo; a pipe is read to its end. */
const readToken = Effect.gen(function* () {
  const text = process.stdin.isTTY
    ? Redacted.value(yield* Prompt.hidden({ message: "Paste the token (input is hidden) and press Enter" }))
    : yield* readStdin
  const token = text.trim()
  if (token === "")
    return yield* new CliFailure({
      message: "no token on standard input; pipe it in: coze-auth login --with-token < token.txt"
    })
  if (/\s/.test(token))
    return yield* new CliFailure({ message: "standard input holds more than one word; give the token alone" })
  return Redacted.make(token)
})

/** The variable a static token comes from: COZE_API_TOKEN, or the `token_env` of its profiles.json entry. */
const tokenVariable = (spec: ProfileSpec.ProfileSpec) =>
  spec.origin === "env" ? "COZE_API_TOKEN" : (spec.sources.COZE_API_TOKEN ?? "its token_env variable")

const entryFor = (region: Region.Region): Record<string, unknown> =>
  region.name === "custom"
    ? { client_type: "token", coze_api_base: region.apiBase, coze_www_base: region.wwwBase }
    : { client_type: "token", region: region.name }

export const login = (name: string) =>
  Effect.gen(function* () {
    const { all } = yield* Profiles.Profiles
    const home = yield* Home.load
    const tokenStore = yield* TokenStore
    const existing = Option.fromNullable(all.find((profile) => profile.name === name))
    if (Option.isSome(existing)) {
      const profile = existing.value
      if (profile.flow !== "token")
        return yield* usage(
          `profile "${name}" is a ${flowName[profile.flow]}; store the token under another name with --profile`
        )
      if (profile.spec.app.flow === "token" && Option.isSome(profile.spec.app.token))
        return yield* new CliFailure({
          message: `profile "${name}" reads its token from ${tokenVariable(profile.spec)}; change that variable, or unset it to store a token`
        })
    }
    const region = Option.isSome(existing)
      ? existing.value.region
      : yield* Effect.mapError(Region.config, CozeError.fromConfigError)
    const secret = yield* readToken
    const user = yield* Users.me(region, secret)
    if (Option.isNone(existing)) {
      yield* ProfilesFile.add(home, name, entryFor(region))
    }
    const token = new Token({
      accessToken: secret,
      expiresAt: Option.none(),
      refreshToken: Option.none(),
      flow: "token",
      obtainedAt: yield* DateTime.now,
      logId: Option.none()
    })
    yield* tokenStore.withLock(name, tokenStore.set(name, token))
    yield* Console.log(
      `Stored the token for profile "${name}" (${region.apiBase}); it belongs to ${user.display}.` +
        (Option.isNone(existing) ? ` Added the profile to ${ProfilesFile.pathOf(home)}.` : "")
    )
  })
