#!/usr/bin/env node
// Headless Chromium for the page tests: Debian's `chromium` package, installed once, idempotently.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

export const chromiumPath = "/usr/bin/chromium"

export const ensureChromium = () => {
  if (existsSync(chromiumPath)) return true
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    console.warn(`coze-auth: ${chromiumPath} is missing; install Chromium there to run the browser tests`)
    return false
  }
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"]
  const run = (args) =>
    spawnSync(sudo[0] ?? args[0], [...sudo.slice(1), ...(sudo.length ? args : args.slice(1))], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
    }).status === 0
  console.error("coze-auth: installing Debian's chromium for the browser tests…")
  return (
    run(["apt-get", "update", "-qq"]) &&
    run(["apt-get", "install", "-y", "-qq", "chromium"]) &&
    existsSync(chromiumPath)
  )
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureChromium() ? 0 : 1)
