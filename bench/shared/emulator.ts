// The emulator in a process of its own (the built `packages/emulator/dist/bin.js`), for every benchmark that
// times HTTP: in the benchmark's process its work would land in the denominator (wall and CPU time).
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { existsSync } from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"

const binJs = fileURLToPath(new URL("../../packages/emulator/dist/bin.js", import.meta.url))

/** Spawns the emulator on a free port and answers its URL; killed when the scope closes. */
export const emulatorProcess = (args: ReadonlyArray<string> = []) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      if (!existsSync(binJs)) throw new Error(`${binJs} is missing: build first (npm run build)`)
      const child = spawn(process.execPath, [binJs, "--port", "0", ...args], { stdio: ["ignore", "pipe", "ignore"] })
      // Not left behind when the benchmark dies or is stopped.
      const stop = () => child.kill("SIGTERM")
      process.once("exit", stop)
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          stop()
          process.exit(130)
        })
      }
      return child
    }),
    (child: ChildProcess) =>
      Effect.promise(async () => {
        if (child.exitCode !== null) return
        child.kill("SIGTERM")
        await once(child, "exit")
      })
  ).pipe(
    Effect.flatMap((child) =>
      Effect.promise(async () => {
        const [line] = await once(createInterface({ input: child.stdout! }), "line")
        const url = /listening on (\S+)/.exec(String(line))?.[1]
        if (url === undefined) throw new Error(`the emulator did not start: ${line}`)
        return { url, pid: child.pid! }
      })
    )
  )

/** The emulator's control client for an emulator process; the process lives as long as the layer. */
export const layer = (args?: ReadonlyArray<string>): Layer.Layer<EmulatorClient.EmulatorClient> =>
  Layer.unwrapScoped(Effect.map(emulatorProcess(args), ({ url }) => EmulatorClient.layerUrl(url))).pipe(
    Layer.provide(FetchHttpClient.layer)
  )
