// Every wait has a deadline; these are the defaults made shorter for one program (Deadline.layer), and
// shorter still for one call (Deadline.withDeadlines). Reads COZE_DEVICE_OAUTH_CLIENT_ID and COZE_API_BASE.
import { FetchHttpClient } from "@effect/platform"
import { Console, Duration, Effect } from "effect"
import * as Deadline from "../src/Deadline.js"
import * as DeviceOAuth from "../src/DeviceOAuth.js"

export const program = Effect.gen(function* () {
  const { operation, request } = yield* Deadline.Deadlines
  yield* Console.log(`requests give up after ${Duration.format(request)}, calls after ${Duration.format(operation)}`)
  const device = yield* DeviceOAuth.DeviceOAuth
  // This one call gets 3 s per request; a server that does not answer ends it with a TransportError.
  const code = yield* device.deviceCode().pipe(Deadline.withDeadlines({ request: "3 seconds" }))
  yield* Console.log(`Open ${code.verificationUrl} and approve (code ${code.userCode})`)
  return code
}).pipe(
  Effect.provide(DeviceOAuth.layerConfig()),
  Effect.provide(FetchHttpClient.layer),
  Effect.provide(Deadline.layer({ request: "10 seconds", operation: "20 seconds" }))
)
