/**
 * Debian's Chromium as every headless tool and the Playwright config launch it (Playwright cannot
 * download browsers here).
 */

/** Path of the Chromium binary (CHROMIUM_PATH overrides). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for quiet, reproducible headless runs; add --enable-unsafe-webgpu for the WebGPU path. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
