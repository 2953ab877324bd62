/**
 * Every bundle the project ships runs its real paths: nothing in an ES module bundle reads `__filename` or
 * `__dirname`, which it does not have (bundled write-file-atomic did, and every login failed to save), and
 * every package a bundle leaves external resolves from where the bundle sits (it is installed next to it).
 * The build enforces the first (scripts/esm-bundle.mjs); this checks what was shipped.
 */
import { readdirSync, readFileSync } from "node:fs"
import { createRequire, isBuiltin } from "node:module"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { emulatorBin } from "./utils/production.js"
import { mainJs } from "./utils/spawned.js"

const bundles = [path.dirname(mainJs), path.dirname(emulatorBin)]

const externals = (code: string) =>
  [...code.matchAll(/(?:^|\n)import\s[^'"]*?from\s*['"]([^'".][^'"]*)['"]/g)]
    .map((m) => m[1]!)
    .filter((specifier) => !isBuiltin(specifier))

describe("shipped bundles", () => {
  for (const dir of bundles) {
    it(`${path.relative(path.join(dir, "../../.."), dir)} reads no __filename and can load every external`, () => {
      const files = readdirSync(dir).filter((f) => f.endsWith(".js"))
      assert.isNotEmpty(files)
      const resolve = createRequire(path.join(dir, "main.js"))
      for (const file of files) {
        const code = readFileSync(path.join(dir, file), "utf8")
        assert.notMatch(code, /\b__(?:filename|dirname)\b/, `${file} reads a location an ES module lacks`)
        for (const specifier of externals(code)) {
          assert.doesNotThrow(() => resolve.resolve(specifier), undefined, undefined, `${file}: ${specifier}`)
        }
      }
    })
  }
})
