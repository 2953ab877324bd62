#!/usr/bin/env node
// Headless Chromium for the page tests: `CHROMIUM_PATH` when set, else Debian's `chromium` package at
// /usr/bin/chromium, installed once, idempotently (as root, or through passwordless sudo).
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

export const ensureChromium = () => {
  if (existsSync(chromiumPath)) return true
  if (process.env.CHROMIUM_PATH !== undefined || process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    console.warn(`coze-auth: ${chromiumPath} is missing; install Chromium (or set CHROMIUM_PATH) for the browser tests`)
    return false
  }
  const asRoot = process.getuid?.() === 0
  const run = (args) =>
    spawnSync(asRoot ? args[0] : "sudo", asRoot ? args.slice(1) : ["-n", ...args], {
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
