/**
 * `coze-auth-mcp [--transport stdio|http] [--port n] [--sandbox]` (architecture §5). Loads the profiles, falls
 * back to the sandbox when there are none, and serves MCP on the chosen transport until stdin closes (stdio)
 * or a signal arrives.
 */
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as FileTokenStore from "@coze-auth/node/FileTokenStore"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Config, Effect, Option } from "effect"
import * as AppLayer from "./AppLayer.js"
import * as ProfileSpec from "./ProfileSpec.js"
import * as Runtime from "./Runtime.js"
import * as Settings from "./Settings.js"
import * as Stdio from "./transports/Stdio.js"

const program = (commandLine: Settings.CommandLine) =>
  Effect.gen(function* () {
    const configured = yield* Settings.fromConfig
    const settings = { ...configured, readOnly: configured.readOnly || commandLine.readOnly }
    const specs = yield* ProfileSpec.load(settings.home)
    const sandbox = commandLine.sandbox || specs.length === 0
    if (specs.length === 0 && Option.isSome(yield* Config.option(Config.string("COZE_WEB_OAUTH_CLIENT_ID")))) {
      console.error(
        "coze-auth: COZE_WEB_OAUTH_* is set, but a web app's redirect needs your own server; the MCP server logs " +
          "in with a device, PKCE or JWT app (or COZE_API_TOKEN), so it starts the sandbox"
      )
    }
    const layer = sandbox
      ? AppLayer.make({
          profiles: (yield* Effect.promise(() => import("./Sandbox.js"))).profiles,
          store: TokenStore.layerMemory,
          settings
        })
      : AppLayer.make({
          profiles: AppLayer.profilesLayer(Effect.succeed(specs)),
          store: FileTokenStore.layer({ home: settings.home }),
          settings
        })
    const runtime = Runtime.make(layer)
    yield* Effect.addFinalizer(() => Effect.promise(() => runtime.dispose()))
    // The sandbox starts now, so its banner (with the emulator's URL) comes before the first request. Real
    // profiles are wired in the background: a bad key or setting shows on stderr at once (and on every tool
    // call), without slowing the handshake.
    if (sandbox) yield* Effect.promise(() => runtime.runtime())
    else
      yield* runtime.runtimeEffect.pipe(
        Effect.tapError((error) => Effect.sync(() => console.error(`coze-auth: ${error.message}`))),
        Effect.ignore,
        Effect.forkScoped
      )
    if (commandLine.transport === "stdio") return yield* Stdio.serve(runtime, settings)
    const Http = yield* Effect.promise(() => import("./transports/Http.js"))
    yield* Http.serve(runtime, { ...settings, port: commandLine.port })
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.sync(() => {
        console.error(`coze-auth: ${error.message}`)
        process.exitCode = 1
      })
    )
  )

const commandLine = Settings.parseCommandLine(process.argv.slice(2))
if ("error" in commandLine) {
  console.error(`coze-auth: ${commandLine.error}\n\n${Settings.usage}`)
  process.exitCode = 2
} else {
  program(commandLine).pipe(
    Effect.provide(NodeFileSystem.layer),
    Effect.provide(Runtime.stderrLogger),
    NodeRuntime.runMain({ disableErrorReporting: false })
  )
}
