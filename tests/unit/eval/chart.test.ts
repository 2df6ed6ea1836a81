import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks } from '../../../src/eval/chart.ts';

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('lineChartSvg', () => {
  it('draws one path and legend entry per series, a point per value, and escapes text', () => {
    const svg = lineChartSvg(
      [
        { name: 'three kinds', points: [[15, 0.8], [57, 0.9], [576, 0.92]] },
        { name: 'a < b', points: [[15, 0.5], [576, 0.9]], dash: '4 3' },
      ],
      { title: 'Accuracy & tokens', xLabel: 'visual tokens', yLabel: 'accuracy', logX: true, yRange: [0, 1] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).toContain('Accuracy &amp; tokens');
    expect(svg).toContain('a &lt; b');
    expect(svg).toContain('stroke-dasharray="4 3"');
    expect(svg).not.toContain('NaN');
  });

  it('places points monotonically on a log x axis', () => {
    const svg = lineChartSvg([{ name: 's', points: [[576, 1], [15, 1], [57, 1]] }], { title: 't', xLabel: 'x', yLabel: 'y', logX: true });
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // 57 sits at log10(57/15)/log10(576/15) of the way along, not at (57-15)/(576-15).
    const frac = (xs[1]! - xs[0]!) / (xs[2]! - xs[0]!);
    expect(frac).toBeCloseTo(Math.log10(57 / 15) / Math.log10(576 / 15), 2);
  });
});
