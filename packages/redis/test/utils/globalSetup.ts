// One redis-server for the package's tests, on a free loopback port, stopped after the run. Tests that kill
// or flush a server start their own (`utils/redis.ts`). Where redis-server cannot be installed the tests are
// skipped, and the reason printed.
import type { TestProject } from "vitest/node"
import { ensureRedis, startRedisServer } from "../../../../scripts/ensure-redis.mjs"

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string
    redisSkip: string
  }
}

export default async function setup(project: TestProject) {
  if (!ensureRedis()) {
    const reason = "redis-server is not installed and cannot be installed here"
    console.warn(`coze-auth: skipping the Redis tests: ${reason}`)
    project.provide("redisUrl", "")
    project.provide("redisSkip", reason)
    return
  }
  const server = await startRedisServer()
  project.provide("redisUrl", server.url)
  project.provide("redisSkip", "")
  return () => server.stop()
}
