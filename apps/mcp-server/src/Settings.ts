/**
 * How this server instance is configured: the command line (`--transport`, `--port`, `--sandbox`, `--read-only`)
 * and the environment (`COZE_AUTH_HOME`, `COZE_AUTH_MCP_KEY`, `COZE_AUTH_MCP_TOKEN_TOOL`, `COZE_AUTH_MCP_READ_ONLY`,
 * `COZE_AUTH_MCP_MAX_RESULT_BYTES`, `COZE_AUTH_MCP_API_TIMEOUT`).
 */

import * as CozeError from "@coze-auth/core/CozeError"
import * as Deadline from "@coze-auth/core/Deadline"
import * as Home from "@coze-auth/profiles/Home"
import { Config, Context, Duration, Effect, Option, Redacted } from "effect"

export interface CommandLine {
  readonly transport: "stdio" | "http"
  readonly port: number
  readonly sandbox: boolean
  readonly readOnly: boolean
}

export const usage = `Usage: coze-auth-mcp [--transport stdio|http] [--port n] [--sandbox] [--read-only]

  --transport  stdio (default) or http (Streamable HTTP at http://127.0.0.1:<port>/mcp)
  --port       the HTTP port (default 3917; 0 picks a free one)
  --sandbox    run against an embedded Coze emulator (the default when no Coze credentials are set)
  --read-only  offer no tool that can change anything at Coze (as COZE_AUTH_MCP_READ_ONLY=1)`

/** Parses argv by hand: @effect/cli would cost more cold-start time than these three flags are worth. */
export const parseCommandLine = (argv: ReadonlyArray<string>): CommandLine | { readonly error: string } => {
  let transport: CommandLine["transport"] = "stdio"
  let port = 3917
  let sandbox = false
  let readOnly = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const equals = arg.indexOf("=")
    const flag = equals === -1 ? arg : arg.slice(0, equals)
    const inline = equals === -1 ? undefined : arg.slice(equals + 1)
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case "--sandbox":
        sandbox = true
        break
      case "--read-only":
        readOnly = true
        break
      case "--transport": {
        const v = value()
        if (v !== "stdio" && v !== "http") return { error: `--transport must be stdio or http, not ${v ?? "nothing"}` }
        transport = v
        break
      }
      case "--port": {
        const v = Number(value())
        if (!Number.isInteger(v) || v < 0 || v > 65535) return { error: "--port must be a number from 0 to 65535" }
        port = v
        break
      }
      default:
        return { error: `unknown argument ${flag}` }
    }
  }
  return { transport, port, sandbox, readOnly }
}

export interface Service {
  /** The directory for profiles.json, token files and locks. */
  readonly home: string
  /** Whether the `token` tool is offered (`COZE_AUTH_MCP_TOKEN_TOOL=off` switches it off). */
  readonly tokenTool: boolean
  /** The HTTP transport's bearer key, when set rather than generated. */
  readonly mcpKey: Option.Option<Redacted.Redacted>
  /**
   * Read-only mode (`COZE_AUTH_MCP_READ_ONLY=1` or `--read-only`): `api_request`, `token` and `logout` are not
   * offered (docs/mcp.md says why).
   */
  readonly readOnly: boolean
  readonly api: ApiLimits
  /** Every request, flow and token call's deadline (`COZE_AUTH_REQUEST_TIMEOUT`, …; docs/credentials.md). */
  readonly deadlines: Deadline.Values
  /** Whether the server runs against its embedded emulator (said in `status`, every `login` and on stderr). */
  readonly sandbox: boolean
}

/** Bounds on what `api_get` / `api_request` wait for and hand back. */
export interface ApiLimits {
  /** The largest body (or collected stream) a result carries; longer ones are cut, with a note. */
  readonly maxResultBytes: number
  /** How long a request may take to answer, and how long a stream is collected. */
  readonly timeout: Duration.Duration
}

export const defaultApiLimits: ApiLimits = { maxResultBytes: 64 * 1024, timeout: Duration.seconds(60) }

export class Settings extends Context.Tag("app/Settings")<Settings, Service>() {}

/** What a server whose settings do not load runs with (its tools answer with the settings' error). */
export const fallback = (home: string): Service => ({
  home,
  tokenTool: true,
  mcpKey: Option.none(),
  readOnly: false,
  api: defaultApiLimits,
  deadlines: Deadline.defaults,
  sandbox: false
})

export const fromConfig: Effect.Effect<Service, CozeError.ConfigError> = Effect.gen(function* () {
  const home = yield* Home.config
  const tokenTool = yield* Config.literal("on", "off")("COZE_AUTH_MCP_TOKEN_TOOL").pipe(Config.withDefault("on"))
  // An empty key would lock every client out: treat it as unset (a key is then generated).
  const mcpKey = Option.filter(
    yield* Config.option(Config.redacted("COZE_AUTH_MCP_KEY")),
    (key) => Redacted.value(key) !== ""
  )
  const readOnly = yield* Config.boolean("COZE_AUTH_MCP_READ_ONLY").pipe(Config.withDefault(false))
  const maxResultBytes = yield* Config.integer("COZE_AUTH_MCP_MAX_RESULT_BYTES").pipe(
    Config.validate({ message: "must be a whole number of bytes, at least 1024", validation: (n) => n >= 1024 }),
    Config.withDefault(defaultApiLimits.maxResultBytes)
  )
  const timeoutSeconds = yield* Config.integer("COZE_AUTH_MCP_API_TIMEOUT").pipe(
    Config.validate({ message: "must be a whole number of seconds, at least 1", validation: (n) => n >= 1 }),
    Config.withDefault(Duration.toSeconds(defaultApiLimits.timeout))
  )
  const api = { maxResultBytes, timeout: Duration.seconds(timeoutSeconds) }
  const deadlines = yield* Deadline.config
  return { home, tokenTool: tokenTool === "on", mcpKey, readOnly, api, deadlines, sandbox: false }
}).pipe(Effect.mapError(CozeError.fromConfigError))
