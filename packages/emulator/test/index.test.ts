import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Index from "../src/index.js"

describe("public API", () => {
  it.effect("leaves the test-only Chromium helper, and playwright-core, out of what users install", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(Object.keys(Index).sort(), ["DemoApps", "Emulator", "EmulatorClient"])
      const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
      assert.notProperty(manifest.dependencies, "playwright-core")
      assert.property(manifest.devDependencies, "playwright-core")
    })
  )
})
