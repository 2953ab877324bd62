#!/usr/bin/env node
// Runs the pinned pnpm: the one on PATH when it is the right version, else through `npx --yes pnpm@<pinned>`
// (corepack's signature check fails against the registry mirrors some machines have).
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const pinned = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).packageManager.split(
  "@"
)[1]

const installed = spawnSync("pnpm", ["--version"], { encoding: "utf8", shell: false })
const [command, prefix] =
  installed.status === 0 && installed.stdout.trim() === pinned ? ["pnpm", []] : ["npx", ["--yes", `pnpm@${pinned}`]]

export const pnpm = (args, options = {}) =>
  spawnSync(command, [...prefix, ...args], { stdio: "inherit", cwd: root, ...options }).status ?? 1

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(pnpm(process.argv.slice(2), { cwd: process.cwd() }))
}
