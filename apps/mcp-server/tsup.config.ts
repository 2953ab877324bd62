import { defineConfig } from "tsup"
import { noBundledCommonJs } from "../../scripts/esm-bundle.mjs"

// Node 20 cannot import the `.ts` our workspace packages export, so they are bundled, with the ES module
// libraries (devDependencies). CommonJS packages are `dependencies`, left external and installed next to the
// bundle: bundled into an ES module they lack `__filename` and the like (write-file-atomic did), and the
// plugin fails the build if one slips in. The HTTP transport and the sandbox are separate chunks loaded on
// demand, which keeps a stdio cold start small.
export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  splitting: true,
  treeshake: true,
  clean: true,
  noExternal: [/^@coze-auth\//],
  esbuildPlugins: [noBundledCommonJs],
  banner: { js: "#!/usr/bin/env node" }
})
