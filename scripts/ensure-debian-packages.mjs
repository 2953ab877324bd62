#!/usr/bin/env node
// Debian packages the tests need, installed once, idempotently (as root, or through passwordless sudo):
// chromium for the page tests (ensure-chromium.mjs), tmux (a real terminal to drive the CLI's login countdown
// and Ctrl+C) and faketime (the CLI's clock moved as the emulator's is, for expiry).
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

/**
 * Installs the Debian packages whose files are missing; `files` maps a package to the file it provides.
 * `recommends: false` leaves out what a server package only recommends (redis-tools, a desktop's keyring UI).
 */
export const aptInstall = (files, why, { recommends = true } = {}) => {
  const missing = Object.keys(files).filter((name) => !existsSync(files[name]))
  if (missing.length === 0) return true
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    console.warn(`coze-auth: ${missing.join(", ")} missing; install them for ${why}`)
    return false
  }
  const asRoot = process.getuid?.() === 0
  const run = (args) =>
    spawnSync(asRoot ? args[0] : "sudo", asRoot ? args.slice(1) : ["-n", ...args], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
    }).status === 0
  console.error(`coze-auth: installing Debian's ${missing.join(", ")} for ${why}…`)
  const install = () =>
    run(["apt-get", "install", "-y", "-qq", ...(recommends ? [] : ["--no-install-recommends"]), ...missing])
  return (
    (install() || (run(["apt-get", "update", "-qq"]) && install())) && missing.every((name) => existsSync(files[name]))
  )
}

export const ensureTerminalTools = () =>
  aptInstall({ tmux: "/usr/bin/tmux", faketime: "/usr/bin/faketime" }, "the CLI's terminal tests")

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureTerminalTools() ? 0 : 1)
