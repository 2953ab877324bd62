#!/usr/bin/env node
/**
 * `coze-auth-emulator`: runs the emulator until SIGINT/SIGTERM. The one stdout line is the address;
 * everything else goes to stderr.
 *
 * @since 0.1.0
 */
import { Command, Options, ValidationError } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Layer, Logger, Option } from "effect"
import * as DemoApps from "./DemoApps.js"
import * as Emulator from "./Emulator.js"
import * as EmulatorClient from "./EmulatorClient.js"

const seconds = (name: string, fallback: number, description: string) =>
  Options.integer(name).pipe(Options.withDefault(fallback), Options.withDescription(`${description} (seconds)`))

const options = {
  host: Options.text("host").pipe(
    Options.withDefault(Emulator.defaultOptions.host),
    Options.withDescription("interface to listen on")
  ),
  port: Options.integer("port").pipe(
    Options.withDefault(Emulator.defaultOptions.port),
    Options.withDescription("port to listen on, 0 = any free port")
  ),
  accessTokenTtl: seconds("access-token-ttl", Emulator.defaultOptions.accessTokenTtl, "access token lifetime"),
  refreshTokenTtl: seconds("refresh-token-ttl", Emulator.defaultOptions.refreshTokenTtl, "refresh token lifetime"),
  deviceCodeTtl: seconds("device-code-ttl", Emulator.defaultOptions.deviceCodeTtl, "device code lifetime"),
  interval: seconds("interval", Emulator.defaultOptions.interval, "device polling interval"),
  demo: Options.boolean("demo").pipe(Options.withDescription("register demo apps and print how to use them"))
}

const printDemo = (apps: DemoApps.DemoApps, url: string) =>
  Console.error(`Demo apps (Coze console app JSON; save one as a file or copy its fields):
${JSON.stringify(apps, null, 2)}

Try the device flow:
  curl -s -X POST ${url}/api/permission/oauth2/device/code -H 'Content-Type: application/json' \\
    -d '{"client_id":"${apps.device.client_id}"}'
  then open the verification_uri, approve the user_code, and poll the token endpoint (docs/emulator.md).
Code flows accept any port on ${DemoApps.redirectUris.join(", ")}.`)

const command = Command.make("coze-auth-emulator", options, ({ demo, ...settings }) =>
  Effect.gen(function* () {
    const { url } = yield* Emulator.Emulator
    yield* Console.log(`coze-auth emulator listening on ${url}`)
    if (demo) yield* Effect.flatMap(DemoApps.seed, (apps) => printDemo(apps, url))
    yield* Console.error("Press Ctrl+C to stop.")
    return yield* Effect.never
  }).pipe(
    Effect.provide(
      EmulatorClient.layer.pipe(Layer.provideMerge(Emulator.layer(settings)), Layer.provide(FetchHttpClient.layer))
    )
  )
)

const cli = Command.run(command, { name: "coze-auth-emulator", version: "0.1.0" })

/** Logs (an unexpected request failure, say) go to stderr: stdout is the start line's alone. */
const stderrLogger = Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))

/** The innermost message, e.g. `listen EADDRINUSE: address already in use 127.0.0.1:4010`. */
const innermostMessage = (error: unknown): string =>
  error instanceof Error ? (error.cause === undefined ? error.message : innermostMessage(error.cause)) : String(error)

/** Why it stopped, as one stderr line. @effect/cli has already printed a bad flag itself. */
const reportFailure = (cause: Cause.Cause<unknown>) => {
  if (Cause.isInterruptedOnly(cause)) return Effect.void
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return Effect.void
  return Console.error(`coze-auth-emulator: ${innermostMessage(Cause.squash(cause))}`)
}

cli(process.argv).pipe(
  Effect.tapErrorCause(reportFailure),
  Effect.provide(Layer.merge(NodeContext.layer, stderrLogger)),
  // Both defaults would write to stdout; `reportFailure` and `stderrLogger` stand in for them.
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
