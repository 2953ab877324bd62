// What every bundle the project ships (tsup: apps/mcp-server, packages/emulator) shares. An ES module has no
// `require`, `__filename` or `__dirname`, which CommonJS modules take for granted. The bundle gets a real
// `require` (the banner below), so CommonJS that only requires other modules is bundled and loads fast. What
// a bundle cannot give is a module's own location on disk: a CommonJS module that reads `__filename` or
// `__dirname` (write-file-atomic does) would see the bundle's instead, or crash. Such packages must be
// `dependencies` of the bundle's package (tsup leaves those external, and pnpm installs them next to it); the
// plugin fails the build naming any that would be bundled.
import { readFileSync } from "node:fs"
import * as path from "node:path"

/** For the banner: a `require` of the bundle's own, for the CommonJS modules bundled into it. */
export const requireBanner = [
  'import { createRequire as __cozeAuthCreateRequire } from "node:module";',
  "const require = __cozeAuthCreateRequire(import.meta.url);"
].join("\n")

/** The package an esbuild input path belongs to (`…/node_modules/@scope/name/…` → `@scope/name`). */
const packageOf = (input) => {
  const rest = input.split("node_modules/").at(-1) ?? input
  const [first, second] = rest.split("/")
  return first?.startsWith("@") ? `${first}/${second}` : first
}

const readsOwnLocation = (file) => /\b__(?:filename|dirname)\b/.test(readFileSync(file, "utf8"))

/** An esbuild plugin that fails the build when a bundled CommonJS module reads its own location. */
export const noLocationBoundCommonJs = {
  name: "no-location-bound-commonjs",
  setup(build) {
    build.initialOptions.metafile = true
    const cwd = build.initialOptions.absWorkingDir ?? process.cwd()
    build.onEnd((result) => {
      if (result.metafile === undefined) return
      const { inputs, outputs } = result.metafile
      // What ends up in a chunk, not every file the graph touched (tree shaking drops some).
      const bundled = new Set(
        Object.values(outputs).flatMap((output) =>
          Object.entries(output.inputs).flatMap(([file, { bytesInOutput }]) => (bytesInOutput > 0 ? [file] : []))
        )
      )
      const bound = new Set(
        [...bundled]
          .filter((file) => inputs[file]?.format === "cjs" && readsOwnLocation(path.resolve(cwd, file)))
          .map(packageOf)
      )
      if (bound.size === 0) return
      const names = [...bound].sort().join(", ")
      return {
        errors: [
          {
            text:
              `CommonJS that reads __filename/__dirname would be bundled into an ES module, which has neither: ${names}; ` +
              `add each to this package's "dependencies" (tsup keeps those external; see scripts/esm-bundle.mjs)`
          }
        ]
      }
    })
  }
}
