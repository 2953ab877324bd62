// A real Secret Service (a private session bus with an unlocked gnome-keyring) for the package's tests,
// stopped after the run; the test processes find it through DBUS_SESSION_BUS_ADDRESS. Only on Linux, where
// the keychain is the Secret Service; elsewhere, or where it cannot be installed, the tests are skipped and
// the reason printed.
import type { TestProject } from "vitest/node"
import { ensureSecretService, startSecretService } from "../../../../scripts/ensure-secret-service.mjs"

declare module "vitest" {
  export interface ProvidedContext {
    secretServiceSkip: string
  }
}

export default async function setup(project: TestProject) {
  const skip = (reason: string) => {
    console.warn(`coze-auth: skipping the keychain tests: ${reason}`)
    project.provide("secretServiceSkip", reason)
  }
  if (process.platform !== "linux") return skip(`they run against a Secret Service, and this is ${process.platform}`)
  if (!ensureSecretService()) return skip("dbus and gnome-keyring are not installed and cannot be installed here")
  const service = await startSecretService()
  Object.assign(process.env, service.env)
  project.provide("secretServiceSkip", "")
  return () => service.stop()
}
