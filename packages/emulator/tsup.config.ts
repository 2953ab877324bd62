import { defineConfig } from "tsup"
import { noLocationBoundCommonJs, requireBanner } from "../../scripts/esm-bundle.mjs"

// The package's `bin`: one ESM file for Node 20; dependencies stay external (installed with the package). The
// rules every bundle follows (a `require` for bundled CommonJS, none that reads its own location) are in
// scripts/esm-bundle.mjs.
export default defineConfig({
  entry: ["src/bin.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  clean: true,
  esbuildPlugins: [noLocationBoundCommonJs],
  banner: { js: requireBanner }
})
