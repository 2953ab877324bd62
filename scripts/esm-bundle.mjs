// What every bundle the project ships (tsup: apps/mcp-server, packages/emulator) shares. An ES module bundle
// lacks what CommonJS modules take for granted (`require`, `__filename`, `__dirname`, their own location on
// disk), so no CommonJS module is bundled: such packages are `dependencies` of the bundle's package (tsup
// leaves those external, and pnpm installs them next to it), and the build fails naming any that slip in.

/** The package an esbuild input path belongs to (`…/node_modules/@scope/name/…` → `@scope/name`). */
const packageOf = (input) => {
  const rest = input.split("node_modules/").at(-1) ?? input
  const [first, second] = rest.split("/")
  return first?.startsWith("@") ? `${first}/${second}` : first
}

/** An esbuild plugin that fails the build when the bundle would contain a CommonJS module. */
export const noBundledCommonJs = {
  name: "no-bundled-commonjs",
  setup(build) {
    build.initialOptions.metafile = true
    build.onEnd((result) => {
      if (result.metafile === undefined) return
      const { inputs, outputs } = result.metafile
      // What ends up in a chunk, not every file the graph touched (tree shaking drops some).
      const bundled = Object.values(outputs).flatMap((output) =>
        Object.entries(output.inputs).flatMap(([path, { bytesInOutput }]) => (bytesInOutput > 0 ? [path] : []))
      )
      const cjs = new Set(bundled.filter((path) => inputs[path]?.format === "cjs").map(packageOf))
      if (cjs.size === 0) return
      const names = [...cjs].sort().join(", ")
      return {
        errors: [
          {
            text:
              `CommonJS would be bundled into an ES module, where it lacks require/__filename/__dirname: ${names}; ` +
              `add each to this package's "dependencies" (tsup keeps those external; see scripts/esm-bundle.mjs)`
          }
        ]
      }
    })
  }
}
