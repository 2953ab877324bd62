import { execFileSync } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Token } from "@coze-auth/core/Token"
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Option, Redacted } from "effect"
import { inject } from "vitest"
import * as KeychainTokenStore from "../src/KeychainTokenStore.js"

const skipReason = inject("secretServiceSkip")

const tokenOf = (access: string) =>
  Token.make({
    accessToken: Redacted.make(access),
    refreshToken: Option.some(Redacted.make(`rt-${access}`)),
    expiresAt: Option.some(DateTime.unsafeMake(Date.now() + 900_000)),
    obtainedAt: DateTime.unsafeMake(Date.now()),
    flow: "device",
    logId: Option.none()
  })

const tempHome = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-keychain-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

/** Every file under `dir`, relative. */
const filesUnder = (dir: string) =>
  Effect.promise(async () =>
    (await fs.readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
  )

/** What the Secret Service holds for an entry, read from outside coze-auth with libsecret's `secret-tool`. */
const secretTool = (service: string, account: string) => {
  try {
    return execFileSync("secret-tool", ["lookup", "service", service, "username", account], { encoding: "utf8" })
  } catch {
    return ""
  }
}

describe.skipIf(skipReason !== "")(`KeychainTokenStore ${skipReason}`, () => {
  it.scopedLive("keeps the credential in the Secret Service, never in a file; the lock stays a lock file", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const store = yield* KeychainTokenStore.make({ home })
      const service = `coze-auth:${home}`
      yield* store.withLock("default", store.set("default", tokenOf("at-in-keychain")))
      const stored = yield* store.get("default")
      assert.strictEqual(
        Option.getOrUndefined(Option.map(stored, (_) => Redacted.value(_.accessToken))),
        "at-in-keychain"
      )
      assert.include(secretTool(service, "default"), "at-in-keychain")
      assert.deepStrictEqual(yield* filesUnder(home), [], "no token file; the lock is gone once released")
      assert.include(store.location("default"), "Secret Service")
      assert.deepStrictEqual(KeychainTokenStore.describe({ home }), {
        kind: "keychain",
        location: `Secret Service (service "${service}")`,
        encrypted: true
      })

      // Another home is another set of entries (and another lock).
      const other = yield* KeychainTokenStore.make({ home: path.join(home, "other") })
      assert.isTrue(Option.isNone(yield* other.get("default")))

      assert.isTrue(yield* store.remove("default"))
      assert.isFalse(yield* store.remove("default"))
      assert.isTrue(Option.isNone(yield* store.get("default")))
      assert.strictEqual(secretTool(service, "default"), "")
    })
  )

  it.scopedLive("withLock is the file lock of the home: a second holder waits for the first", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      const [a, b] = [yield* KeychainTokenStore.make({ home }), yield* KeychainTokenStore.make({ home })]
      const order: Array<string> = []
      yield* Effect.all(
        [
          a.withLock(
            "default",
            Effect.zipRight(
              Effect.sleep("300 millis"),
              Effect.sync(() => order.push("a"))
            )
          ),
          Effect.zipRight(
            Effect.sleep("50 millis"),
            b.withLock(
              "default",
              Effect.sync(() => order.push("b"))
            )
          )
        ],
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(order, ["a", "b"])
    })
  )

  it.scopedLive("no keychain in reach: fails closed, says so and how to choose the file store, writes no file", () =>
    Effect.gen(function* () {
      const home = yield* tempHome
      // A process of a session without a Secret Service (over SSH, in a container): no session bus at all.
      const { DBUS_SESSION_BUS_ADDRESS: _, ...env } = process.env
      const output = execFileSync(
        process.execPath,
        ["--import", "tsx", path.join(import.meta.dirname, "fixtures", "noKeychain.ts"), home],
        { env, encoding: "utf8" }
      )
      const attempts = output
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { tag: string; cause: string; message: string })
      assert.strictEqual(attempts.length, 2)
      for (const attempt of attempts) {
        assert.strictEqual(attempt.tag, "TokenStoreError")
        assert.strictEqual(attempt.cause, "KeychainUnavailable")
        assert.include(attempt.message, "no OS keychain is available")
        assert.include(attempt.message, "COZE_AUTH_STORE=file")
        assert.notInclude(attempt.message, "at-nowhere")
      }
      assert.deepStrictEqual(yield* filesUnder(home), [], "never a silent fallback to a file")
    })
  )
})
