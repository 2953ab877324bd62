import { Token } from "@coze-auth/core/Token"
import { DateTime, Effect, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import { inject } from "vitest"
import { startRedisServer } from "../../../../scripts/ensure-redis.mjs"
import * as RedisTokenStore from "../../src/RedisTokenStore.js"

/** The run's shared redis-server (globalSetup), or why there is none. */
export const redisUrl = inject("redisUrl")
export const skipReason = inject("redisSkip")

/** A key for the tests: 32 fixed bytes (nothing secret, only a test's). */
export const testKey = Redacted.make(Buffer.alloc(32, 7).toString("base64"))

/** A store on `url` with its own key prefix, so tests sharing one server never see each other's records. */
export const storeOn = (url: string, options?: Partial<RedisTokenStore.Options>) =>
  RedisTokenStore.make({
    url: Redacted.make(url),
    key: testKey,
    prefix: `test-${globalThis.crypto.randomUUID()}:`,
    ...options
  })

/** A plain client on `url`, to look at what the store wrote or to change it behind the store's back. */
export const rawClient = (url: string) =>
  Effect.acquireRelease(
    Effect.sync(() => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })),
    (client) => Effect.sync(() => client.disconnect())
  )

/** A redis-server of the test's own (to kill, restart or flush), stopped with the scope. */
export const ownRedis = (options?: { readonly persistent?: boolean }) =>
  Effect.acquireRelease(
    Effect.promise(() => startRedisServer(options)),
    (server) => Effect.promise(() => server.stop())
  )

export const tokenOf = (access: string, refresh = `rt-${access}`) =>
  Token.make({
    accessToken: Redacted.make(access),
    refreshToken: Option.some(Redacted.make(refresh)),
    expiresAt: Option.some(DateTime.unsafeMake(Date.now() + 900_000)),
    obtainedAt: DateTime.unsafeMake(Date.now()),
    flow: "device",
    logId: Option.none()
  })

/** The access token a stored credential holds, if any. */
export const accessOf = (token: Option.Option<Token>) =>
  Option.getOrUndefined(Option.map(token, (_) => Redacted.value(_.accessToken)))
