/**
 * Headless page of `npm run eval` and `npm run sweep`: exposes the experiment runner to
 * Playwright. Progress goes to `reportProgress`, which the tool exposes before calling.
 */
import { type ExperimentConfig, type ExperimentProgress, type ExperimentResult, runExperiment } from '../../src/eval/experiment.ts';

declare global {
  interface Window {
    /** Runs an experiment; set by this page. */
    runExperiment(config: ExperimentConfig): Promise<ExperimentResult>;
    /** Progress sink; exposed by the tool. */
    reportProgress?: (event: ExperimentProgress) => void;
  }
}

window.runExperiment = (config) => runExperiment(config, { onProgress: (e) => window.reportProgress?.(e) });
document.title = 'ready';
