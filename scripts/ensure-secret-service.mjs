#!/usr/bin/env node
// A real Secret Service for the keychain store's tests: a private D-Bus session bus with gnome-keyring's
// secrets component on it, unlocked, in a temporary directory. Debian's `dbus` and `gnome-keyring` (and
// `libsecret-tools`, whose `secret-tool` the tests use to look from outside) are installed once,
// idempotently. Nothing touches the user's own session or keyrings.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { aptInstall } from "./ensure-debian-packages.mjs"

const binaries = ["/usr/bin/dbus-daemon", "/usr/bin/dbus-send", "/usr/bin/gnome-keyring-daemon", "/usr/bin/secret-tool"]

/** True when the Secret Service can be started here (installing it if need be); otherwise prints why not. */
export const ensureSecretService = () => {
  const packages = {
    dbus: "/usr/bin/dbus-daemon",
    "gnome-keyring": "/usr/bin/gnome-keyring-daemon",
    "libsecret-tools": "/usr/bin/secret-tool"
  }
  if (aptInstall(packages, "the keychain tests", { recommends: false }) && binaries.every(existsSync)) return true
  console.warn(
    `coze-auth: the keychain tests need ${binaries.join(", ")} (Debian: dbus, gnome-keyring, libsecret-tools)`
  )
  return false
}

const firstLine = (child) =>
  new Promise((resolve, reject) => {
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk
      if (output.includes("\n")) resolve(output.split("\n")[0].trim())
    })
    child.once("exit", (code) => reject(new Error(`dbus-daemon exited (${code})`)))
  })

const owned = (env) =>
  spawnSync(
    "dbus-send",
    [
      "--session",
      "--print-reply",
      "--dest=org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      "string:org.freedesktop.secrets"
    ],
    { env, encoding: "utf8" }
  ).stdout?.includes("boolean true")

const stopped = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

/**
 * Starts a session bus and an unlocked gnome-keyring on it. Resolves with `{ env, stop }`: `env` holds
 * `DBUS_SESSION_BUS_ADDRESS` (and the XDG directories the keyring lives in) for the processes that use it.
 */
export const startSecretService = async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "coze-auth-secrets-"))
  const run = path.join(dir, "run")
  mkdirSync(run, { mode: 0o700 })
  const bus = spawn(
    "dbus-daemon",
    ["--session", "--nofork", "--print-address=1", `--address=unix:path=${path.join(dir, "bus")}`],
    { stdio: ["ignore", "pipe", "ignore"] }
  )
  const children = [bus]
  process.once("exit", () => {
    for (const child of children) child.kill("SIGKILL")
  })
  const env = {
    ...process.env,
    DBUS_SESSION_BUS_ADDRESS: await firstLine(bus),
    XDG_DATA_HOME: path.join(dir, "data"),
    XDG_RUNTIME_DIR: run
  }
  const keyring = spawn("gnome-keyring-daemon", ["--unlock", "--components=secrets", "--foreground"], {
    env: { ...env, HOME: dir },
    stdio: ["pipe", "ignore", "ignore"]
  })
  children.push(keyring)
  // The password of the throwaway login keyring; the daemon reads it from stdin and unlocks with it.
  keyring.stdin.end("coze-auth-test")
  const stop = async () => {
    await Promise.all(children.map(stopped))
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 100 && !owned(env); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  if (!owned(env)) {
    await stop()
    throw new Error("gnome-keyring-daemon did not take org.freedesktop.secrets on the session bus")
  }
  return {
    env: {
      DBUS_SESSION_BUS_ADDRESS: env.DBUS_SESSION_BUS_ADDRESS,
      XDG_DATA_HOME: env.XDG_DATA_HOME,
      XDG_RUNTIME_DIR: run
    },
    stop
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureSecretService() ? 0 : 1)
