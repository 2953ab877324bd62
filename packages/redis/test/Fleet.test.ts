import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fleet from "./fleet/fleet.js"
import { skipReason } from "./utils/redis.js"

// Three machines of two processes on one Redis, 2-second tokens with rotating refresh tokens, and every
// fault on one timeline. bench/fleet runs the same for longer.
const seconds = Number(process.env.COZE_AUTH_FLEET_SECONDS ?? 19)

/** What a caller may see during a fault: Redis down (a typed error naming it), the fence refusing a stale holder. */
const tolerated = new Set(["TokenStoreError:RedisUnavailable", "TokenStoreError:StaleWrite"])

describe.skipIf(skipReason !== "")(`a fleet on one Redis ${skipReason}`, () => {
  it.live(
    "never loses the session: Redis restarted, a refreshing process killed, another stalled past its lease",
    () =>
      Effect.gen(function* () {
        const report = yield* Fleet.run({
          seconds,
          // Longer than the outage: a process whose write Redis missed takes its lease back and writes first.
          lease: "4 seconds",
          slowRefreshMillis: 200,
          restartRedisAt: 2,
          redisDownMillis: 2000,
          killRefresherAt: 6,
          stallRefresherAt: 11.5,
          stallMillis: 5000
        })
        const context = JSON.stringify(report, null, 1)
        assert.strictEqual(report.events.length, 5, context)
        const survivors = report.workers.filter((worker) => !worker.killed)
        assert.strictEqual(survivors.length, 5, context)
        const failures: Record<string, number> = {}
        for (const worker of survivors) {
          assert.strictEqual(worker.code, 0, context)
          assert.isAbove(worker.report?.ok ?? 0, 0, context)
          for (const [label, count] of Object.entries(worker.report?.failures ?? {})) {
            failures[label] = (failures[label] ?? 0) + count
          }
        }
        for (const label of Object.keys(failures))
          assert.isTrue(tolerated.has(label), `unexpected ${label}: ${context}`)
        assert.isAbove(
          failures["TokenStoreError:RedisUnavailable"] ?? 0,
          0,
          `typed errors while Redis was down: ${context}`
        )
        // The stalled process refreshed with a spent refresh token (the one failed refresh); the fence refused
        // its removal of the newer credential.
        assert.isAtMost(report.refreshes.failed, 1, context)
        assert.strictEqual(failures["TokenStoreError:StaleWrite"] ?? 0, report.refreshes.failed, context)
        // One refresh per expiry window (1–2 s: Coze's expires_in is whole seconds), not one per process (six
        // processes refreshing on their own would make 3–6 times as many); the faults take ~7 s of windows away.
        assert.isAtLeast(report.refreshes.ok, Math.floor(seconds / 4), context)
        assert.isAtMost(report.refreshes.ok, seconds + 4, context)
        assert.isTrue(report.sessionAlive, "the stored credential still refreshes")
      }),
    (seconds + 60) * 1000
  )
})
