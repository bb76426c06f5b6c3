// End-to-end tests against the real server: `signet serve --sandbox` serving web/dist.
//
//   npm run build
//   SIGNET_BIN=/path/to/signet npm run test:e2e
//
// Browsers are never downloaded: Chromium comes from the system (CHROMIUM_PATH).
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, devices } from '@playwright/test'

const webDir = path.dirname(fileURLToPath(import.meta.url))
const port = Number(process.env.E2E_PORT ?? 18080)
const baseURL = `http://127.0.0.1:${port}`
const signetBin = path.resolve(webDir, process.env.SIGNET_BIN ?? '../target/debug/signet')
const distDir = path.join(webDir, 'dist')

// One fresh data directory per run. The config is evaluated again in each worker process;
// the environment variable makes them all agree on the directory made by the runner.
if (!process.env.SIGNET_E2E_DATA) {
  process.env.SIGNET_E2E_DATA = mkdtempSync(path.join(tmpdir(), 'signet-e2e-'))
}
const dataDir = process.env.SIGNET_E2E_DATA

/** A POSIX shell word that stands for `value` literally (the web server runs in a shell). */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

if (!existsSync(path.join(distDir, 'index.html'))) {
  console.warn(`[e2e] ${distDir}/index.html is missing: run \`npm run build\` first.`)
}

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  outputDir: './test-results/output',
  // The 2-core build machine is busy; run serially and give pages time.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    baseURL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: 'chromium',
      use: { ...devices['Desktop Chrome'], channel: undefined },
    },
  ],
  webServer: {
    // The demo accounts (demo, staff) and the demo catalog come from `signet init --demo`.
    command: [
      `${shellQuote(signetBin)} init --demo --data ${shellQuote(dataDir)} --public-url ${baseURL}`,
      `exec ${shellQuote(signetBin)} serve --sandbox --listen 127.0.0.1:${port} --data ${shellQuote(dataDir)}`,
    ].join(' && '),
    url: `${baseURL}/healthz`,
    env: {
      SIGNET_WEB_DIR: distDir,
    },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
})
