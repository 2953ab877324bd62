import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"

// Its own test file, so its own process: nothing else loaded the native module before.
const nativeLoaded = () =>
  Effect.promise(async () => (await fs.readFile("/proc/self/maps", "utf8")).includes("keyring.linux"))

describe.skipIf(process.platform !== "linux" || inject("secretServiceSkip") !== "")("loading the keychain", () => {
  it.scopedLive("the native module loads on the store's first use, not when the package is imported", () =>
    Effect.gen(function* () {
      const { KeychainTokenStore } = yield* Effect.promise(() => import("../src/index.js"))
      const home = yield* Effect.acquireRelease(
        Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "coze-auth-lazy-"))),
        (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
      )
      const store = yield* KeychainTokenStore.make({ home })
      assert.isFalse(yield* nativeLoaded())
      yield* store.get("default")
      assert.isTrue(yield* nativeLoaded())
    })
  )
})
