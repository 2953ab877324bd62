import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

export default mergeConfig(shared, {
  test: { globalSetup: ["test/setup.ts"], testTimeout: 60_000 }
})
