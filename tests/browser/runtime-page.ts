import type { Page } from '@playwright/test';

/** Opens the runtime test page and waits for its module to expose the SDK. */
export async function openRuntimePage(page: Page): Promise<void> {
  page.on('pageerror', (err) => console.log('[pageerror]', err.message));
  await page.goto('/tests/browser/pages/runtime.html');
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}

/**
 * The device a project exercises. The webgpu project's adapter is SwiftShader, which device 'auto'
 * passes over (software), so its tests ask for WebGPU explicitly.
 */
export function deviceOf(project: string): 'webgpu' | 'wasm' {
  return project === 'webgpu' ? 'webgpu' : 'wasm';
}

/**
 * Mask generation settings that let the random-weight fixture segmenter produce masks (its
 * predicted IoUs are noise), with few points so SwiftShader stays quick.
 */
export const PERMISSIVE_AMG = { pointsPerSide: 4, pointsPerBatch: 16, predIouThreshold: -1e9, stabilityThreshold: 0, minAreaFraction: 0.002 };
