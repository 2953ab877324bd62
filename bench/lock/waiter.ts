// A process sharing the file store with the benchmark: on every `go` line it asks for a renewed token
// (`Credentials.refresh`, which finds the benchmark's renewal under the lock instead of making its own) and
// prints when it started and when it had the token, on the shared wall clock, with the token's hash.
import { createInterface } from "node:readline"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as FileTokenStore from "@coze-auth/node/FileTokenStore"
import { FetchHttpClient } from "@effect/platform"
import { Effect } from "effect"
import { hashOf } from "./hash.js"

const [home, apiBase, clientId] = process.argv.slice(2) as [string, string, string]
const now = () => performance.timeOrigin + performance.now()

const credentials = await Effect.runPromise(
  Effect.gen(function* () {
    const flow = yield* DeviceOAuth.make({ clientId, region: Region.custom({ apiBase }) })
    const store = yield* FileTokenStore.make({ home })
    const credentials = yield* Credentials.make({
      profile: "bench",
      source: Credentials.Source.Refreshable({ flow: "device", refresh: flow.refresh })
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))
    yield* credentials.token()
    return credentials
  }).pipe(Effect.provide(FetchHttpClient.layer))
)
console.log("ready")
for await (const _ of createInterface({ input: process.stdin })) {
  const start = now()
  const token = await Effect.runPromise(credentials.refresh)
  console.log(JSON.stringify({ start, done: now(), hash: hashOf(token.accessToken) }))
}
