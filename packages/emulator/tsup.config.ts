import { defineConfig } from "tsup"
import { noBundledCommonJs } from "../../scripts/esm-bundle.mjs"

// The package's `bin`: one ESM file for Node 20; dependencies stay external (installed with the package), and
// the plugin fails the build should a CommonJS module ever be bundled (it would lack `__filename` and the like).
export default defineConfig({
  entry: ["src/bin.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  clean: true,
  esbuildPlugins: [noBundledCommonJs]
})
