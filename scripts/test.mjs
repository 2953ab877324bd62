#!/usr/bin/env node
// `npm test`: install, make sure Chromium is there, typecheck, lint, build, run every package's tests,
// then print one line "N passed, M failed" with the totals over all packages.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ensureChromium } from "./ensure-chromium.mjs"
import { pnpm } from "./pnpm.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const workspaces = ["packages", "apps"].flatMap((dir) =>
  readdirSync(path.join(root, dir)).map((name) => path.join(root, dir, name))
)
const report = (ws) => path.join(ws, "test-results", "vitest.json")

const step = (name, ok) => {
  if (!ok) console.error(`coze-auth: ${name} failed`)
  return ok
}

let ok = step("install", pnpm(["install", ...(process.env.CI ? ["--frozen-lockfile"] : [])]) === 0)
ok = step("chromium", ensureChromium()) && ok
for (const ws of workspaces) rmSync(report(ws), { force: true })
if (ok) {
  ok = step(
    "typecheck and build",
    pnpm(["exec", "turbo", "run", "typecheck", "build", "--output-logs=errors-only"]) === 0
  )
  ok = step("lint", pnpm(["exec", "biome", "check", "."]) === 0) && ok
  ok = step("tests", pnpm(["exec", "turbo", "run", "test", "--continue", "--concurrency=1"]) === 0) && ok
}

let passed = 0
let failed = 0
for (const ws of workspaces) {
  if (!existsSync(report(ws))) continue
  const { numPassedTests, numFailedTests } = JSON.parse(readFileSync(report(ws), "utf8"))
  passed += numPassedTests
  failed += numFailedTests
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(ok && failed === 0 ? 0 : 1)
