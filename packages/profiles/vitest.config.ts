import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The tests are independent (each has its own emulator on a free port or its own temporary COZE_AUTH_HOME,
// its own TestClock and ConfigProvider, and no module state), so the tests of a file run concurrently too.
export default mergeConfig(shared, { test: { sequence: { concurrent: true } } })
