#!/usr/bin/env node
// Headless Chromium for the page tests: `CHROMIUM_PATH` when set, else Debian's `chromium` package at
// /usr/bin/chromium, installed once, idempotently (as root, or through passwordless sudo).
import { existsSync } from "node:fs"
import { aptInstall } from "./ensure-debian-packages.mjs"

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

export const ensureChromium = () => {
  if (existsSync(chromiumPath)) return true
  if (process.env.CHROMIUM_PATH !== undefined) {
    console.warn(`coze-auth: ${chromiumPath} is missing; install Chromium (or set CHROMIUM_PATH) for the browser tests`)
    return false
  }
  return aptInstall({ chromium: chromiumPath }, "the browser tests")
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureChromium() ? 0 : 1)
