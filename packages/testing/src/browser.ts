import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import chromium from "@sparticuz/chromium"
import puppeteer, { type Browser } from "puppeteer-core"
import manifest from "../package.json"

/** Unpacked browsers live in the repository's ignored `.cache/`, one folder per package version. */
const CACHE = path.resolve(import.meta.dir, "../../../.cache")

/**
 * Flags for a quiet, offline, throwaway browser: nothing phones home or updates itself, and no
 * sandbox (tests may run as root in containers). The profile folder is added per launch.
 */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--no-first-run",
  "--no-default-browser-check",
  "--no-proxy-server",
  "--mute-audio",
]

/**
 * The Chromium that `@sparticuz/chromium` ships compressed inside its npm package, unpacked once.
 * The package unpacks into `os.tmpdir()`, shared by every checkout and never checked for version
 * or completeness; pointing it at a private staging folder that is renamed into place when done
 * makes the unpacked copy per version, complete, and safe against two test runs at once.
 */
export async function chromiumPath() {
  const version = manifest.devDependencies["@sparticuz/chromium"]
  const folder = path.join(CACHE, `chromium-${version}`)
  const binary = path.join(folder, "chromium")
  if (existsSync(binary)) return { binary, folder }
  mkdirSync(CACHE, { recursive: true })
  const staging = mkdtempSync(`${folder}.staging-`)
  const tmpdir = process.env.TMPDIR
  process.env.TMPDIR = staging
  try {
    await chromium.executablePath()
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = tmpdir
  }
  writeFileSync(path.join(staging, "fonts.conf"), fontsConf(folder))
  try {
    renameSync(staging, folder)
  } catch (error) {
    // Another run unpacked the same version first: keep its copy.
    rmSync(staging, { recursive: true, force: true })
    if (!existsSync(binary)) throw error
  }
  return { binary, folder }
}

/** The system's fonts where it has any, plus the font the package ships for machines without. */
function fontsConf(folder: string) {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(folder, "fonts", "fonts")}</dir>
  <cachedir>${path.join(folder, "fontconfig-cache")}</cachedir>
</fontconfig>
`
}

export type TestBrowser = { browser: Browser; close(): Promise<void> }

/** Launches the packaged Chromium headless with a fresh profile, removed again on close. */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<TestBrowser> {
  const { binary, folder } = await chromiumPath()
  const profile = mkdtempSync(path.join(os.tmpdir(), "tandem-chromium-profile-"))
  const browser = await puppeteer.launch({
    executablePath: binary,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
    env: { ...process.env, FONTCONFIG_FILE: path.join(folder, "fonts.conf") },
    defaultViewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  })
  return {
    browser,
    async close() {
      await browser.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
