#!/usr/bin/env node
// `npm test`: install, make sure Chromium, redis-server and a Secret Service are there, typecheck, lint and build, run every package's tests,
// then print one line "N passed, M failed" with the totals over all packages. A check that fails outside
// the tests (install, typecheck, lint, build) or a test file that cannot even load counts as one failure,
// so the line never says "0 failed" about a broken run.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ensureChromium } from "./ensure-chromium.mjs"
import { ensureRedis } from "./ensure-redis.mjs"
import { ensureSecretService } from "./ensure-secret-service.mjs"
import { pnpm } from "./pnpm.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const workspaces = ["packages", "apps"].flatMap((dir) =>
  readdirSync(path.join(root, dir)).map((name) => path.join(root, dir, name))
)
const firstLine = (text) => (text ?? "").trim().split("\n")[0].slice(0, 300)
const report = (ws) => path.join(ws, "test-results", "vitest.json")

let failedChecks = 0
const check = (name, ok) => {
  if (!ok) {
    failedChecks++
    console.error(`coze-auth: ${name} failed`)
  }
  return ok
}

for (const ws of workspaces) rmSync(report(ws), { force: true })
let testsPassed = true
if (check("install", pnpm(["install", ...(process.env.CI ? ["--frozen-lockfile"] : [])]) === 0)) {
  // Without Chromium only the page tests fail; everything else still runs.
  if (!ensureChromium()) console.error("coze-auth: no Chromium, so the browser tests will fail")
  // Each test run starts its own redis-server and Secret Service; without them those tests are skipped.
  if (!ensureRedis()) console.error("coze-auth: no redis-server, so the Redis store tests are skipped")
  if (process.platform === "linux" && !ensureSecretService()) {
    console.error("coze-auth: no Secret Service, so the keychain tests are skipped")
  }
  const turbo = (...args) => pnpm(["exec", "turbo", "run", ...args, "--continue"]) === 0
  check("typecheck, lint and build", turbo("typecheck", "lint", "lint:root", "build", "--output-logs=errors-only"))
  testsPassed = turbo("test", "--concurrency=1")
}

let passed = 0
let failed = failedChecks
// Named again just above the totals: CI logs are often read from their tail.
const failures = []
for (const ws of workspaces) {
  if (!existsSync(report(ws))) continue
  const { numPassedTests, numFailedTests, testResults } = JSON.parse(readFileSync(report(ws), "utf8"))
  const unloadable = testResults.filter(
    (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed")
  )
  passed += numPassedTests
  failed += numFailedTests + unloadable.length
  const where = path.relative(root, ws)
  for (const file of testResults) {
    const name = path.relative(ws, file.name)
    for (const test of file.assertionResults.filter((test) => test.status === "failed")) {
      failures.push(`${where}/${name} > ${test.fullName}: ${firstLine(test.failureMessages[0])}`)
    }
    if (unloadable.includes(file)) failures.push(`${where}/${name} did not load: ${firstLine(file.message)}`)
  }
}
// On stdout, with the totals: the line that ends the run stays last, whatever interleaves the two streams.
for (const failure of failures) console.log(`coze-auth: FAILED ${failure}`)
// The test run failed but no report counts a failure (vitest died before writing one): still a failure.
if (!testsPassed && failed === failedChecks) failed++
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
