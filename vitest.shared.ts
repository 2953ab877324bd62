import * as path from "node:path"
import type { ViteUserConfig } from "vitest/config"

// Shared by every package: real sockets, virtual Effect time (TestClock), a JSON report per package
// that scripts/test.mjs adds up into the one "N passed, M failed" line CI reads.
const config: ViteUserConfig = {
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [path.join(__dirname, "vitest.setup.ts")],
    fakeTimers: { toFake: undefined },
    sequence: { concurrent: false },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]]
  }
}

export default config
