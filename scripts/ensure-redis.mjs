#!/usr/bin/env node
// A real Redis for the Redis store's tests and the fleet benchmark: `REDIS_SERVER` when set, else Debian's
// `redis-server` package, installed once, idempotently (as root, or through passwordless sudo). Its
// service is never started: each test run starts its own server on a free loopback port and stops it.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { aptInstall } from "./ensure-debian-packages.mjs"

export const redisServerPath = process.env.REDIS_SERVER ?? "/usr/bin/redis-server"

/** True when a redis-server binary is there (installing it if need be); otherwise prints why not. */
export const ensureRedis = () => {
  if (existsSync(redisServerPath)) return true
  if (
    process.env.REDIS_SERVER === undefined &&
    aptInstall({ "redis-server": redisServerPath }, "the Redis store tests", { recommends: false })
  )
    return true
  console.warn(
    `coze-auth: ${redisServerPath} is missing; install redis-server (or set REDIS_SERVER) for the Redis tests`
  )
  return false
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/** Starts redis-server on `port`; resolves once it accepts connections, rejects if it exits first. */
const launch = (port, dir, persistent) =>
  new Promise((resolve, reject) => {
    const child = spawn(
      redisServerPath,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        persistent ? "yes" : "no",
        "--appendfsync",
        "always",
        "--daemonize",
        "no",
        "--loglevel",
        "notice"
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const onData = (chunk) => {
      output += chunk
      if (output.includes("Ready to accept connections")) {
        child.stdout.off("data", onData)
        child.stdout.resume()
        child.stderr.resume()
        resolve(child)
      }
    }
    child.stdout.setEncoding("utf8").on("data", onData)
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      output += chunk
    })
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output.trim().slice(-300)}`)))
    child.once("error", reject)
  })

const stopped = (child, signal) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill(signal)
  })

/**
 * A redis-server of its own on a free loopback port, in a temporary directory: `{ url, port, kill, start,
 * stop }`. `persistent` turns on the append-only file (fsync on every write), so a server killed and
 * started again on the same port keeps its data; without it, data lives in memory only (`--save ''`).
 * `kill()` SIGKILLs it (a crash), `start()` starts it again on the same port, `stop()` ends it for good and
 * deletes its directory.
 */
export const startRedisServer = async ({ persistent = false } = {}) => {
  const dir = mkdtempSync(path.join(tmpdir(), "coze-auth-redis-"))
  let child
  // A test runner that dies must not leave a server behind.
  process.once("exit", () => child?.kill("SIGKILL"))
  let port
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort()
    try {
      child = await launch(port, dir, persistent)
    } catch (error) {
      // Another process took the port between the probe and the start: try another one.
      if (attempt >= 4 || !String(error).includes("in use")) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => stopped(child, "SIGKILL"),
    start: async () => {
      child = await launch(port, dir, persistent)
    },
    stop: async () => {
      await stopped(child, "SIGTERM")
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureRedis() ? 0 : 1)
