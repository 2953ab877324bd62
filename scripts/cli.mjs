#!/usr/bin/env node
// `npm run cli -- <command>`: the coze-auth CLI on a fresh clone. Installs when needed, rebuilds the bundle only
// when a source is newer than it, then runs it with this process's stdio and exits with its status.
// In `$(…)` use `npm run --silent cli -- token`: npm prints its own header on stdout otherwise.
import { spawn } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { constants } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { pnpm } from "./pnpm.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const mainJs = path.join(root, "apps", "cli", "dist", "main.js")
const sources = [
  "apps/cli/src",
  "apps/cli/package.json",
  "packages/core/src",
  "packages/node/src",
  "packages/profiles/src"
]

const newest = (file) => {
  if (!existsSync(file)) return 0
  const stat = statSync(file)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(file).map((name) => newest(path.join(file, name))))
}

const fail = (what) => {
  console.error(`coze-auth: ${what} failed; run \`node scripts/pnpm.mjs install\` and try again`)
  process.exit(1)
}

if (!existsSync(path.join(root, "node_modules")) && pnpm(["install"], { stdio: ["ignore", 2, 2] }) !== 0)
  fail("install")
const built = existsSync(mainJs) ? statSync(mainJs).mtimeMs : 0
if (built < Math.max(...sources.map((source) => newest(path.join(root, source))))) {
  // Build output goes to stderr: stdout is the command's (`token` prints the token alone).
  if (pnpm(["--filter", "@coze-auth/cli", "run", "build"], { stdio: ["ignore", 2, 2] }) !== 0) fail("build")
}

const child = spawn(process.execPath, [mainJs, ...process.argv.slice(2)], { stdio: "inherit" })
// Ctrl+C reaches the CLI from the terminal itself (same process group); other signals are passed on.
process.on("SIGINT", () => {})
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)))
