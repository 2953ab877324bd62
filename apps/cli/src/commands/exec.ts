/**
 * `exec -- CMD ARGS…`: runs a command with `COZE_API_TOKEN` and `COZE_API_BASE` set to a fresh token, its
 * stdio the CLI's own, signals passed on to it, and ends with its status: how the official SDKs and any other
 * tool use coze-auth's login without a token ever being copied.
 */
import { spawn } from "node:child_process"
import { constants } from "node:os"
import { Args, Command } from "@effect/cli"
import { Deferred, Effect, Exit, Redacted } from "effect"
import { ChildExited, CliFailure } from "../Failure.js"
import * as Signals from "../Signals.js"
import { describe, findProfile, profileOption } from "./shared.js"

const commandLine = Args.text({ name: "command" }).pipe(
  Args.withDescription("the command to run, after `--`"),
  Args.atLeast(1)
)

/** The exit status a shell would report: the code, or 128 + the signal that ended it. */
const statusOf = (code: number | null, signal: NodeJS.Signals | null) =>
  code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0))

const run = (program: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  Effect.gen(function* () {
    const exited = yield* Deferred.make<number, CliFailure>()
    const child = yield* Effect.sync(() => {
      const child = spawn(program, args, { stdio: "inherit", env, shell: false })
      child.once("error", (error: NodeJS.ErrnoException) =>
        Deferred.unsafeDone(
          exited,
          Exit.fail(
            new CliFailure({
              message:
                error.code === "ENOENT"
                  ? `cannot run ${program}: no such command; check its name and PATH`
                  : `cannot run ${program}: ${error.message}`
            })
          )
        )
      )
      child.once("exit", (code, signal) => Deferred.unsafeDone(exited, Exit.succeed(statusOf(code, signal))))
      return child
    })
    yield* Signals.forwardTo((signal) => child.kill(signal))
    return yield* Deferred.await(exited)
  }).pipe(Effect.scoped)

export const command = Command.make("exec", { profile: profileOption, commandLine }, (args) =>
  Effect.gen(function* () {
    const { credentials, region } = yield* findProfile(args.profile)
    const token = yield* credentials.token()
    const [program, ...rest] = args.commandLine
    const status = yield* run(program!, rest, {
      ...process.env,
      COZE_API_TOKEN: Redacted.value(token.accessToken),
      COZE_API_BASE: region.apiBase
    })
    if (status !== 0) return yield* new ChildExited({ exitCode: status })
  })
).pipe(
  describe(
    "Runs a command with COZE_API_TOKEN and COZE_API_BASE set to a fresh token of the profile; stdin, stdout, " +
      "stderr and signals pass through, and coze-auth exits with the command's status.",
    "coze-auth exec -- python bot.py",
    "coze-auth exec --profile cn -- sh -c 'curl -s -H \"Authorization: Bearer $COZE_API_TOKEN\" $COZE_API_BASE/v1/users/me'"
  )
)
