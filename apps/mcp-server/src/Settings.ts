/**
 * How this server instance is configured: the command line (`--transport`, `--port`, `--sandbox`) and the
 * environment (`COZE_AUTH_HOME`, `COZE_AUTH_MCP_KEY`, `COZE_AUTH_MCP_TOKEN_TOOL`).
 */

import * as CozeError from "@coze-auth/core/CozeError"
import * as Home from "@coze-auth/profiles/Home"
import { Config, Context, Effect, Option, Redacted } from "effect"

export interface CommandLine {
  readonly transport: "stdio" | "http"
  readonly port: number
  readonly sandbox: boolean
}

export const usage = `Usage: coze-auth-mcp [--transport stdio|http] [--port n] [--sandbox]

  --transport  stdio (default) or http (Streamable HTTP at http://127.0.0.1:<port>/mcp)
  --port       the HTTP port (default 3917; 0 picks a free one)
  --sandbox    run against an embedded Coze emulator (the default when no Coze credentials are set)`

/** Parses argv by hand: @effect/cli would cost more cold-start time than these three flags are worth. */
export const parseCommandLine = (argv: ReadonlyArray<string>): CommandLine | { readonly error: string } => {
  let transport: CommandLine["transport"] = "stdio"
  let port = 3917
  let sandbox = false
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined]
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case "--sandbox":
        sandbox = true
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
  return { transport, port, sandbox }
}

export interface Service {
  /** The directory for profiles.json, token files and locks. */
  readonly home: string
  /** Whether the `token` tool is offered (`COZE_AUTH_MCP_TOKEN_TOOL=off` switches it off). */
  readonly tokenTool: boolean
  /** The HTTP transport's bearer key, when set rather than generated. */
  readonly mcpKey: Option.Option<Redacted.Redacted>
  /** Whether the server runs against its embedded emulator (said in `status`, every `login` and on stderr). */
  readonly sandbox: boolean
}

export class Settings extends Context.Tag("app/Settings")<Settings, Service>() {}

/** What a server whose settings do not load runs with (its tools answer with the settings' error). */
export const fallback = (home: string): Service => ({ home, tokenTool: true, mcpKey: Option.none(), sandbox: false })

export const fromConfig: Effect.Effect<Service, CozeError.ConfigError> = Effect.gen(function* () {
  const home = yield* Home.config
  const tokenTool = yield* Config.literal("on", "off")("COZE_AUTH_MCP_TOKEN_TOOL").pipe(Config.withDefault("on"))
  // An empty key would lock every client out: treat it as unset (a key is then generated).
  const mcpKey = Option.filter(
    yield* Config.option(Config.redacted("COZE_AUTH_MCP_KEY")),
    (key) => Redacted.value(key) !== ""
  )
  return { home, tokenTool: tokenTool === "on", mcpKey, sandbox: false }
}).pipe(Effect.mapError(CozeError.fromConfigError))
