/**
 * The emulator as a process of its own, the way a user runs it: its built `bin` (`dist/bin.js`) on a free
 * loopback port, for tests and benchmarks that exercise the product as shipped (and must not have the
 * emulator's work land in their own process). Drive it with `EmulatorClient` or plain `fetch` of
 * `<url>/__emulator/…`.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { HttpClient } from "@effect/platform"
import { Effect, Layer, type Scope } from "effect"
import * as EmulatorClient from "./EmulatorClient.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface EmulatorProcess {
  /** `http://127.0.0.1:<port>`, as the emulator printed it. */
  readonly url: string
  readonly child: ChildProcess
  /** Ends the process (SIGTERM) and resolves once it has exited. */
  readonly stop: () => Promise<void>
}

/**
 * The built `bin` (`npm run build` makes it).
 *
 * @since 0.1.0
 * @category Constants
 */
export const binJs: string = fileURLToPath(new URL("../dist/bin.js", import.meta.url))

/**
 * The `bin` from source (`src/bin.ts` through tsx): for a package's tests that run before anything is built.
 *
 * @since 0.1.0
 * @category Constants
 */
export const fromSource = { bin: fileURLToPath(new URL("./bin.ts", import.meta.url)), execArgv: ["--import", "tsx"] }

/**
 * Starts `node <bin> --port 0 …flags` and resolves once it prints `listening on <url>`; rejects if it exits
 * first. It is also ended when this process exits, so a failed test leaves nothing behind.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = (
  flags: ReadonlyArray<string> = [],
  options: { readonly bin?: string; readonly execArgv?: ReadonlyArray<string> } = {}
): Promise<EmulatorProcess> => {
  const bin = options.bin ?? binJs
  if (!existsSync(bin)) return Promise.reject(new Error(`${bin} is missing: build first (npm run build)`))
  const child = spawn(process.execPath, [...(options.execArgv ?? []), bin, "--port", "0", ...flags], {
    stdio: ["ignore", "pipe", "ignore"]
  })
  const kill = () => child.kill("SIGTERM")
  process.once("exit", kill)
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const stop = async () => {
    process.removeListener("exit", kill)
    if (child.exitCode === null && child.signalCode === null) kill()
    await exited
  }
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code} before it listened`)))
    // Read to the end: a pipe nobody reads would stall the emulator once full.
    lines.on("line", (line) => {
      const url = /listening on (\S+)/.exec(line)?.[1]
      if (url !== undefined) resolve({ url, child, stop })
    })
  })
}

/**
 * `start` for the scope: stopped when the scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const scoped = (flags?: ReadonlyArray<string>): Effect.Effect<EmulatorProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(flags)),
    (running) => Effect.promise(running.stop)
  )

/**
 * The control client of an emulator process that lives as long as the layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  flags?: ReadonlyArray<string>
): Layer.Layer<EmulatorClient.EmulatorClient, never, HttpClient.HttpClient> =>
  Layer.unwrapScoped(Effect.map(scoped(flags), ({ url }) => EmulatorClient.layerUrl(url)))
