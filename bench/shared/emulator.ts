// The emulator in a process of its own (the built `packages/emulator/dist/bin.js`), for every benchmark that
// times HTTP: in the benchmark's process its work would land in the denominator (wall and CPU time).

import type * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as EmulatorProcess from "@coze-auth/emulator/EmulatorProcess"
import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"

// A benchmark stopped with Ctrl+C (or killed) takes its emulator with it.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130))

/** The emulator's control client for an emulator process; the process lives as long as the layer. */
export const layer = (args?: ReadonlyArray<string>): Layer.Layer<EmulatorClient.EmulatorClient> =>
  EmulatorProcess.layer(args).pipe(Layer.provide(FetchHttpClient.layer))
