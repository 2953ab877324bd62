// The device flow for CLIs and agents: show a URL and a code, poll until the user answers.
// Reads COZE_DEVICE_OAUTH_CLIENT_ID and COZE_API_BASE.
import { FetchHttpClient } from "@effect/platform"
import { Console, DateTime, Effect } from "effect"
import * as DeviceOAuth from "../src/DeviceOAuth.js"
import { runWhenMain } from "./main.js"

export const program = Effect.gen(function* () {
  const device = yield* DeviceOAuth.DeviceOAuth
  const code = yield* device.deviceCode()
  yield* Console.log(`Open ${code.verificationUrl} and approve (code ${code.userCode})`)
  const token = yield* device.awaitToken(code, {
    onProgress: ({ nextPollAt, secondsLeft }) =>
      Console.log(`waiting… next check ${DateTime.formatIso(nextPollAt)}, ${secondsLeft}s left`)
  })
  yield* Console.log("logged in")
  return token
}).pipe(Effect.provide(DeviceOAuth.layerConfig()), Effect.provide(FetchHttpClient.layer))

// Run it yourself: COZE_DEVICE_OAUTH_CLIENT_ID=… COZE_API_BASE=https://api.coze.cn npx tsx packages/core/examples/device.ts
runWhenMain(import.meta, program)
