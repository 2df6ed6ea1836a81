/**
 * Post-build step of `npm run build`: tsc rewrites the extensions of relative imports but not of
 * the worker's `new URL('./entry.ts', import.meta.url)`, so dist would point at a file it lacks.
 * The pattern is kept otherwise intact so the consuming app's bundler (Vite, webpack 5) still
 * recognises it and bundles the worker with its dependencies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const host = resolve(import.meta.dirname, '../../dist/worker/host.js');
const source = readFileSync(host, 'utf8');
const from = "new URL('./entry.ts', import.meta.url)";
if (!source.includes(from)) throw new Error(`${host} does not contain ${from}; update tools/build/worker-url.ts with src/worker/host.ts`);
writeFileSync(host, source.replace(from, "new URL('./entry.js', import.meta.url)"));
console.log('dist/worker/host.js: worker URL points at entry.js');
