// One process of one machine of the fleet: its store comes from the environment as a user's would
// (COZE_AUTH_STORE=redis://…, COZE_AUTH_STORE_KEY, COZE_AUTH_REDIS_LEASE, its own COZE_AUTH_HOME), and it
// calls `token()` and GET /v1/users/me (through the authenticated client) until `deadline` (epoch ms), and
// reads the stored credential's status every turn: a token in memory needs no store until it expires, so
// without that read a Redis outage between two expiries would meet no call at all.
// It prints `{"event":"refreshing"}` when it is about to refresh (after `slowMillis`, so a test can kill or
// stop it in the middle of a refresh), then one report line: { calls, ok, failures, distinct }.
// Usage: worker <api base> <device client id> <deadline> <slowMillis>
import * as AuthHttpClient from "@coze-auth/core/AuthHttpClient"
import type { CozeError } from "@coze-auth/core/CozeError"
import * as Credentials from "@coze-auth/core/Credentials"
import * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import * as Region from "@coze-auth/core/Region"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Logger, Redacted } from "effect"
import * as RedisTokenStore from "../../src/RedisTokenStore.js"

const [apiBase = "", clientId = "", deadline = "0", slowMillis = "0"] = process.argv.slice(2)
const region = Region.custom({ apiBase })

/** A failure as the report counts it: the tag, and for store errors the typed reason (RedisUnavailable, …). */
const labelOf = (error: CozeError | { readonly _tag: string }) =>
  error._tag === "TokenStoreError"
    ? `TokenStoreError:${RedisTokenStore.reasonOf(error as never)?._tag ?? "other"}`
    : error._tag

const program = Effect.gen(function* () {
  const credentials = yield* Credentials.Credentials
  const client = yield* AuthHttpClient.CozeHttpClient
  const failures: Record<string, number> = {}
  const fail = (label: string) => {
    failures[label] = (failures[label] ?? 0) + 1
  }
  const distinct = new Set<string>()
  let calls = 0
  let ok = 0
  while (Date.now() < Number(deadline)) {
    calls++
    const token = yield* Effect.either(credentials.token())
    if (token._tag === "Left") {
      fail(labelOf(token.left))
    } else {
      distinct.add(Redacted.value(token.right.accessToken))
      const me = yield* Effect.either(Effect.flatMap(client.get("/v1/users/me"), (response) => response.json))
      if (me._tag === "Left") fail(labelOf(me.left))
      else if ((me.right as { code?: unknown }).code === 0) ok++
      else fail("users/me rejected")
    }
    const status = yield* Effect.either(credentials.status)
    if (status._tag === "Left") fail(labelOf(status.left))
    yield* Effect.sleep("20 millis")
  }
  process.stdout.write(`${JSON.stringify({ calls, ok, failures, distinct: distinct.size })}\n`)
})

const MainLayer = Layer.unwrapEffect(
  Effect.map(DeviceOAuth.make({ clientId, region }), (device) =>
    AuthHttpClient.layer({ region }).pipe(
      Layer.provideMerge(
        Credentials.layer({
          profile: "default",
          source: Credentials.Source.Refreshable({
            flow: "device",
            refresh: (refreshToken) =>
              Effect.sync(() => process.stdout.write(`${JSON.stringify({ event: "refreshing" })}\n`)).pipe(
                Effect.zipRight(Effect.sleep(Number(slowMillis))),
                Effect.zipRight(device.refresh(refreshToken))
              )
          })
        })
      )
    )
  )
).pipe(
  Layer.provide(RedisTokenStore.layerConfig()),
  Layer.provideMerge(FetchHttpClient.layer),
  Layer.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false })))
)

Effect.runPromise(Effect.provide(program, MainLayer)).catch((error) => {
  process.stderr.write(`fleet worker: ${error}\n`)
  process.exit(1)
})
