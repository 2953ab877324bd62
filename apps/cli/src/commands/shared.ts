/** Options, help text and profile lookup every command shares. */
import * as Profiles from "@coze-auth/profiles/Profiles"
import { Command, HelpDoc, Options } from "@effect/cli"
import { Effect, Option } from "effect"

export const profileOption = Options.text("profile").pipe(
  Options.withAlias("p"),
  Options.withDescription("the profile to use (see `coze-auth profiles list`); the default profile when omitted"),
  Options.optional
)

export const jsonOption = Options.boolean("json").pipe(Options.withDescription("print JSON for scripts"))

/** A command's help: what it does, then examples to copy. */
export const help = (description: string, examples: ReadonlyArray<string>) =>
  HelpDoc.blocks([
    HelpDoc.p(description),
    HelpDoc.p(examples.length === 1 ? "Example:" : "Examples:"),
    ...examples.map((example) => HelpDoc.p(`  $ ${example}`))
  ])

export const describe =
  (description: string, ...examples: ReadonlyArray<string>) =>
  <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
    Command.withDescription(command, help(description, examples))

/** The named profile, or the default one; a broken one fails with what is wrong with it. */
export const findProfile = (name: Option.Option<string>) =>
  Effect.flatMap(Profiles.Profiles, (profiles) => profiles.get(Option.getOrUndefined(name)))

export const flowName = {
  token: "personal or service access token",
  web: "web app",
  pkce: "PKCE app (browser login)",
  device: "device app",
  jwt: "service app (JWT)"
} as const
