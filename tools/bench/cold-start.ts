/**
 * `npm run bench:cold-start [-- --runs 5]`: the demo's cold start (tools/bench/cold-start-runs.ts),
 * printed; `npm run bench` puts the same table in docs/BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';
import { machineInfo, machineLine } from '../browser/machine.ts';
import { COLD_RUNS, coldStartTable, measureColdStart } from './cold-start-runs.ts';

const { values: args } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string', default: String(COLD_RUNS) } } });
const cold = await measureColdStart(Number(args.runs));
console.log(`Cold start of the static demo build, a fresh profile per run (${cold.runs.length} runs; ${cold.device}) on ${machineLine(machineInfo())}; headless Chromium ${cold.browser}.\n\n${coldStartTable(cold)}`);
