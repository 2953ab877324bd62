import { defineConfig } from "tsup"

// The package's `bin`: one ESM file for Node 20; dependencies stay external (installed with the package).
export default defineConfig({
  entry: ["src/bin.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  clean: true
})
