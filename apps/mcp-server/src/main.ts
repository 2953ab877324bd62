/**
 * `coze-auth-mcp [--transport stdio|http] [--port n] [--sandbox]` (architecture §5). Loads the profiles
 * (@coze-auth/profiles), starts the sandbox only when asked or when nothing at all is configured, and serves
 * MCP on the chosen transport until stdin closes (stdio) or a signal arrives. A configuration mistake never
 * stops the server: it comes up, says the mistake on stderr, and every tool it touches answers with it.
 */
import type * as CozeError from "@coze-auth/core/CozeError"
import * as Home from "@coze-auth/profiles/Home"
import * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Store from "@coze-auth/profiles/Store"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Either, Layer, Option } from "effect"
import * as AppLayer from "./AppLayer.js"
import * as Runtime from "./Runtime.js"
import * as Settings from "./Settings.js"
import * as Stdio from "./transports/Stdio.js"

/** What is wrong, one line each, on stderr at start: the same lines the tools answer with. */
const report = (errors: ReadonlyArray<CozeError.ConfigError>) =>
  Effect.forEach(errors, (error) => Effect.logError(error.message), { discard: true })

const program = (commandLine: Settings.CommandLine) =>
  Effect.gen(function* () {
    const configured = yield* Effect.either(Settings.fromConfig)
    const home = yield* Effect.orDie(Home.load)
    // Broken settings: tools answer the error; the token tool stays off rather than guess what was meant.
    const settings = Either.getOrElse(configured, () => ({ ...Settings.fallback(home), tokenTool: false }))
    const store = yield* Effect.either(Store.load)
    const loaded = yield* ProfileSpec.load(settings.home)
    const startup = [...Option.toArray(Either.getLeft(configured)), ...Option.toArray(Either.getLeft(store))]
    const nothingConfigured = startup.length === 0 && ProfileSpec.isEmpty(loaded)
    const sandbox = commandLine.sandbox || nothingConfigured
    const layer = sandbox
      ? AppLayer.make({
          profiles: (yield* Effect.promise(() => import("./Sandbox.js"))).profiles(
            commandLine.sandbox ? "--sandbox was given" : "no Coze credentials are configured"
          ),
          store: Store.layer(Store.StoreChoice.Memory()),
          settings: { ...settings, sandbox: true }
        })
      : Either.isRight(store) && startup.length === 0
        ? AppLayer.make({
            profiles: Profiles.layer(Effect.succeed(loaded), { store: store.right }),
            store: Store.layer(store.right),
            settings
          })
        : AppLayer.make({ profiles: Layer.fail(startup[0]!), store: Store.layer(Store.StoreChoice.Memory()), settings })
    if (!sandbox) yield* report([...startup, ...Option.toArray(loaded.fileError), ...loaded.broken.map((b) => b.error)])
    const runtime = Runtime.make(layer)
    yield* Effect.addFinalizer(() => Effect.promise(() => runtime.dispose()))
    // The sandbox starts now, so its banner (with the emulator's URL) comes before the first request. Real
    // profiles are wired in the background: a key that is no RSA key shows on stderr at once (and in status),
    // without slowing the handshake.
    if (sandbox) yield* Effect.promise(() => runtime.runtime())
    else if (startup.length === 0)
      yield* runtime.runtimeEffect.pipe(
        Effect.flatMap((rt) => Effect.provide(Profiles.Profiles, rt)),
        Effect.flatMap((profiles) =>
          report(profiles.broken.filter((b) => !loaded.broken.includes(b)).map((b) => b.error))
        ),
        // The store would not open (COZE_AUTH_STORE=keychain here, say): every tool answers this too.
        Effect.catchAll((error) => Effect.logError(error.message)),
        Effect.forkScoped
      )
    if (commandLine.transport === "stdio") return yield* Stdio.serve(runtime, settings)
    const Http = yield* Effect.promise(() => import("./transports/Http.js"))
    yield* Http.serve(runtime, { ...settings, port: commandLine.port })
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.logError(error.message).pipe(
        Effect.zipRight(
          Effect.sync(() => {
            process.exitCode = 1
          })
        )
      )
    )
  )

const commandLine = Settings.parseCommandLine(process.argv.slice(2))
if ("error" in commandLine) {
  process.stderr.write(`coze-auth: ${commandLine.error}\n\n${Settings.usage}\n`)
  process.exitCode = 2
} else {
  program(commandLine).pipe(
    Effect.provide(NodeFileSystem.layer),
    Effect.provide(Runtime.stderrLogger),
    NodeRuntime.runMain({ disableErrorReporting: false })
  )
}
