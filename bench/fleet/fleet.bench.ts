// A fleet on one Redis, long: three machines (separate COZE_AUTH_HOMEs) of two processes, 2-second tokens
// with rotating refresh tokens. Two runs, the first the baseline of the second:
// 1. steady: no faults. Refreshes per expiry window (target ≈ 1: one per window, not one per process; six
//    processes refreshing on their own would make ≈ 6), and successful token() + /v1/users/me calls per second.
// 2. faults: Redis SIGKILLed and started again, the process in the middle of a refresh SIGKILLed, another
//    SIGSTOPped past its lease. Calls per second as a ratio of the steady run's, invalid_grant (only the
//    stalled process's, whose removal the fence refuses), lost sessions (target 0).
// COZE_AUTH_FLEET_SECONDS sets the length of each run (default 40).
import { Effect } from "effect"
import * as Fleet from "../../packages/redis/test/fleet/fleet.js"

const seconds = Number(process.env.COZE_AUTH_FLEET_SECONDS ?? 40)

const summary = (report: Fleet.Report) => {
  const reports = report.workers.flatMap((worker) => (worker.report === undefined ? [] : [worker.report]))
  const ok = reports.reduce((sum, r) => sum + r.ok, 0)
  const failures: Record<string, number> = {}
  for (const r of reports)
    for (const [label, n] of Object.entries(r.failures)) failures[label] = (failures[label] ?? 0) + n
  // Coze's expires_in is whole seconds: a 2-second token lives 1–2 s, 1.5 s on average.
  const windows = report.seconds / 1.5
  return { ok, perSecond: ok / report.seconds, failures, perWindow: report.refreshes.ok / windows }
}

const line = (name: string, value: string) => console.log(`${name.padEnd(46)} ${value}`)

const program = Effect.gen(function* () {
  const steady = yield* Fleet.run({ seconds, lease: "4 seconds" })
  const base = summary(steady)
  line("steady: calls/s (token + users/me)", base.perSecond.toFixed(0))
  line("steady: refreshes per expiry window", `${base.perWindow.toFixed(2)} (target ≈ 1, per-process ≈ 6)`)
  line("steady: failures", JSON.stringify(base.failures))
  line("steady: failed refreshes (invalid_grant)", String(steady.refreshes.failed))
  line("steady: session alive", String(steady.sessionAlive))

  const faulty = yield* Fleet.run({
    seconds,
    lease: "4 seconds",
    slowRefreshMillis: 200,
    restartRedisAt: seconds * 0.2,
    redisDownMillis: 2000,
    killRefresherAt: seconds * 0.45,
    stallRefresherAt: seconds * 0.7,
    stallMillis: 5000
  })
  const faults = summary(faulty)
  for (const event of faulty.events) line("faults: event", event)
  line(
    "faults: calls/s, ratio to steady",
    `${faults.perSecond.toFixed(0)} (${(faults.perSecond / base.perSecond).toFixed(2)}×)`
  )
  line("faults: refreshes per expiry window", faults.perWindow.toFixed(2))
  line("faults: failures", JSON.stringify(faults.failures))
  line("faults: failed refreshes (the stalled process)", `${faulty.refreshes.failed} (target ≤ 1)`)
  const lost = (faults.failures.NotAuthenticated ?? 0) + (faulty.sessionAlive ? 0 : 1)
  line("faults: lost sessions", `${lost} (target 0) ${lost === 0 ? "ok" : "ABOVE TARGET"}`)
})

await Effect.runPromise(program)
