/**
 * The ioredis connection behind the store: options that make an outage fail fast, commands as Effects whose
 * failures say whether Redis was unreachable or refused, and the Lua scripts of the lease and the fence.
 */
import { Duration, Effect, Runtime, type Scope } from "effect"
import { Redis, ReplyError } from "ioredis"

/** Why a command failed: no answer from Redis (down, unreachable, too slow) or an answer that refused it. */
export type Failure =
  | { readonly _tag: "Unreachable"; readonly reason: string; readonly cause: unknown }
  | { readonly _tag: "Refused"; readonly reason: string; readonly cause: unknown }

const reasonOf = (cause: unknown): string => {
  const error = cause as { code?: unknown; message?: unknown } | undefined
  const code = typeof error?.code === "string" ? error.code : undefined
  const message = typeof error?.message === "string" ? error.message.split("\n")[0] : String(cause)
  return code !== undefined && message !== undefined && !message.includes(code) ? `${code}: ${message}` : `${message}`
}

/**
 * ioredis attaches the failed command's arguments to its errors (an AUTH password, a record written in the
 * clear): only the one-line reason is kept.
 */
const failureOf = (error: unknown): Failure => {
  const reason = reasonOf(error)
  const cause = new Error(reason)
  return error instanceof ReplyError ? { _tag: "Refused", reason, cause } : { _tag: "Unreachable", reason, cause }
}

export interface Connection {
  readonly run: <A>(command: (client: Redis) => Promise<A>) => Effect.Effect<A, Failure>
}

/**
 * One client for the store's lifetime (closed with the scope). A command gets no answer within `timeout`,
 * or Redis refuses connections, and it fails instead of waiting: `maxRetriesPerRequest: 0` fails queued
 * commands at the first failed reconnection, `commandTimeout` bounds a Redis that accepts but never answers.
 * The client keeps reconnecting in the background (at most a second apart), so the store recovers by itself
 * once Redis is back. `onDown` is told once per outage.
 */
export const connect = (options: {
  readonly url: string
  readonly timeout: Duration.Duration
  readonly onDown: (reason: string) => Effect.Effect<void>
}): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const timeout = Duration.toMillis(options.timeout)
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const client = new Redis(options.url, {
          lazyConnect: true,
          connectTimeout: timeout,
          commandTimeout: timeout,
          maxRetriesPerRequest: 0,
          retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
          // The lease and the fence are what make a write safe; a replayed write is not.
          autoResendUnfulfilledCommands: false
        })
        let down = false
        client.on("error", (cause) => {
          if (down) return
          down = true
          Runtime.runFork(runtime)(options.onDown(reasonOf(cause)))
        })
        client.on("ready", () => {
          down = false
        })
        return client
      }),
      (client) =>
        client.status === "wait" || client.status === "end"
          ? Effect.sync(() => client.disconnect())
          : Effect.promise(() => client.quit().catch(() => undefined)).pipe(
              Effect.timeout(options.timeout),
              Effect.ignore,
              Effect.ensuring(Effect.sync(() => client.disconnect()))
            )
    )
    return {
      run: (command) => Effect.tryPromise({ try: () => command(client), catch: failureOf })
    }
  })

/**
 * Takes the lease when it is free, or still ours (a release Redis did not answer leaves it behind: taking it
 * back keeps everyone else out until our write lands): 1, or 0 while another owner holds it.
 */
const acquireScript = `local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`

export const acquire = (key: string, owner: string, leaseMillis: number) => (client: Redis) =>
  client.eval(acquireScript, 1, key, owner, leaseMillis) as Promise<number>

/** Extends the lease only while `owner` still holds it: 1, or 0 once it expired (or another owner took it). */
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

export const renew = (key: string, owner: string, leaseMillis: number) => (client: Redis) =>
  client.eval(renewScript, 1, key, owner, leaseMillis) as Promise<number>

/** Deletes the lease only if `owner` holds it: a holder whose lease expired never frees another's. */
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

export const release = (key: string, owner: string) => (client: Redis) =>
  client.eval(releaseScript, 1, key, owner) as Promise<number>

/** A record: its version (0 = never written) and the stored text (null once removed: a tombstone). */
export interface Record {
  readonly version: number
  readonly exists: boolean
  readonly text: string | null
}

export const read =
  (key: string) =>
  async (client: Redis): Promise<Record> => {
    const [version, text] = await client.hmget(key, "version", "record")
    return { version: version === null ? 0 : Number(version), exists: version !== null, text }
  }

/**
 * Writes (a text) or removes (no text: keeps a tombstone with the next version) a record, fenced: with an
 * expected version, only over that version, or over nothing at all (Redis lost the record: the write
 * restores it). Answers `{ ok, version, removed }`: the new version, or the current one when refused.
 */
const writeScript = `local current = redis.call('HGET', KEYS[1], 'version')
local version = tonumber(current or '0')
if ARGV[1] ~= '' and current and tonumber(ARGV[1]) ~= version then return {0, version, 0} end
local removed = 0
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'version', version + 1, 'record', ARGV[3])
else
  removed = redis.call('HDEL', KEYS[1], 'record')
  redis.call('HSET', KEYS[1], 'version', version + 1)
end
return {1, version + 1, removed}`

export interface Written {
  readonly ok: boolean
  readonly version: number
  readonly removed: boolean
}

export const write =
  (key: string, expected: number | undefined, text: string | null) =>
  async (client: Redis): Promise<Written> => {
    const [ok, version, removed] = (await client.eval(
      writeScript,
      1,
      key,
      expected === undefined ? "" : String(expected),
      text === null ? "0" : "1",
      text ?? ""
    )) as [number, number, number]
    return { ok: ok === 1, version, removed: removed === 1 }
  }
