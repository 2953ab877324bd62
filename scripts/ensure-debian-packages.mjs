#!/usr/bin/env node
// Debian packages the CLI's terminal tests run: tmux (a real terminal to drive the login countdown and Ctrl+C)
// and faketime (the CLI's clock moved as the emulator's is, for expiry). Installed once, idempotently (as root,
// or through passwordless sudo), like ensure-chromium.mjs.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

export const tools = { tmux: "/usr/bin/tmux", faketime: "/usr/bin/faketime" }

export const ensureDebianPackages = (names = Object.keys(tools)) => {
  const missing = names.filter((name) => !existsSync(tools[name]))
  if (missing.length === 0) return true
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    console.warn(`coze-auth: ${missing.join(", ")} missing; install them for the CLI's terminal tests`)
    return false
  }
  const asRoot = process.getuid?.() === 0
  const run = (args) =>
    spawnSync(asRoot ? args[0] : "sudo", asRoot ? args.slice(1) : ["-n", ...args], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
    }).status === 0
  console.error(`coze-auth: installing Debian's ${missing.join(", ")} for the CLI's terminal tests…`)
  const install = () => run(["apt-get", "install", "-y", "-qq", ...missing])
  return (
    (install() || (run(["apt-get", "update", "-qq"]) && install())) && missing.every((name) => existsSync(tools[name]))
  )
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureDebianPackages() ? 0 : 1)
