/**
 * `coze-auth <command>` (architecture §7). Runs one command and exits with the contract's code: 0 success,
 * 1 failure (one line on stderr), 2 usage, 3 not logged in, `exec`'s command's own status, 130 after Ctrl+C.
 * Signals are handled here rather than by NodeRuntime so that `exec` can pass them to its command.
 */
import { Console as NodeConsole } from "node:console"
import { Writable } from "node:stream"
import { stripVTControlCharacters } from "node:util"
import * as Browser from "@coze-auth/node/Browser"
import * as NodeCoze from "@coze-auth/node/NodeCoze"
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Exit, Layer, Logger, Option } from "effect"
import packageJson from "../package.json" with { type: "json" }
import * as Exec from "./commands/exec.js"
import * as Login from "./commands/login.js"
import * as Logout from "./commands/logout.js"
import * as ProfilesCommand from "./commands/profiles.js"
import * as Refresh from "./commands/refresh.js"
import { describe } from "./commands/shared.js"
import * as Status from "./commands/status.js"
import * as Token from "./commands/token.js"
import { exitCodes, outcomeOf, usage } from "./Failure.js"
import * as Load from "./Load.js"
import { isTerminal } from "./Output.js"
import * as Signals from "./Signals.js"
import * as WithToken from "./WithToken.js"

const root = Command.make("coze-auth").pipe(
  Command.withSubcommands([
    Login.command,
    Status.command,
    Token.command,
    Exec.command,
    Refresh.command,
    Logout.command,
    ProfilesCommand.command
  ]),
  // Built only when a command runs: --help, --version and --completions work whatever the configuration.
  Command.provide(Load.layer),
  describe(
    "Logs in to Coze and hands out tokens to people and scripts, sharing profiles and logins with the coze-auth " +
      "MCP server and Effect programs. See docs/cli.md.",
    "coze-auth login",
    "coze-auth exec -- python bot.py"
  )
)

const cli = Command.run(root, { name: "coze-auth", version: packageJson.version })

/** Logs (a warning from a flow, say) go to stderr: stdout is for what the command prints. */
const stderrLogger = Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))

// @effect/cli styles help and usage errors with ANSI codes; a pipe or a file gets them plain. Effect's default
// Console calls the global console, so swapping it is enough.
const plain = (stream: NodeJS.WriteStream): NodeJS.WritableStream =>
  isTerminal(stream)
    ? stream
    : new Writable({
        write: (chunk, _encoding, done) => {
          stream.write(stripVTControlCharacters(String(chunk)))
          done()
        }
      })
globalThis.console = new NodeConsole({ stdout: plain(process.stdout), stderr: plain(process.stderr) })

const tokenInArgv = WithToken.argvProblem(process.argv.slice(2))
const program = tokenInArgv === undefined ? cli(process.argv) : Effect.fail(usage(tokenInArgv))

// NodeCoze: requests over node:http (nothing to load, unlike fetch's first request), JWTs signed on node:crypto.
const fiber = Effect.runFork(
  program.pipe(Effect.provide(Layer.mergeAll(NodeContext.layer, NodeCoze.layer, Browser.layer, stderrLogger)))
)
Signals.install(fiber, () => process.exit(exitCodes.interrupted))
fiber.addObserver((exit) => {
  const outcome = Exit.isSuccess(exit) ? { exitCode: 0, line: Option.none() } : outcomeOf(exit.cause)
  if (Option.isSome(outcome.line)) process.stderr.write(`${outcome.line.value}\n`)
  // Exit now: an idle keep-alive connection must not hold the process for seconds.
  process.exit(outcome.exitCode)
})
