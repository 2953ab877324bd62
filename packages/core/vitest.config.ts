import { mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// Core's tests are independent (each starts its own emulator on a free port, runs on its own TestClock
// and keeps no module state), so the tests of a file run concurrently too.
export default mergeConfig(shared, { test: { sequence: { concurrent: true } } })
