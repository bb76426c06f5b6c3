import { mkdirSync, rmSync } from 'node:fs'
import { SCREENSHOT_DIR } from './helpers'

/** Start every run with an empty screenshot folder (test-results/ is git-ignored). */
export default function globalSetup(): void {
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true })
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
}
