/**
 * `npm run bench:instances`: what a second and a third ORT instance cost on one page
 * (tools/bench/instances-runs.ts), printed; `npm run bench` puts the same table in
 * docs/BENCHMARKS.md.
 */
import { machineInfo, machineLine } from '../browser/machine.ts';
import { instancesTable, measureInstances } from './instances-runs.ts';

const { phases, browser } = await measureInstances();
console.log(`Machine: ${machineLine(machineInfo())}; headless Chromium ${browser}; WASM, 2 threads.\n\n${instancesTable(phases)}`);
