import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A bar chart of one value per label (finance: charged dollars per user) drawn by uPlot. The canvas has a text
 * alternative naming every bar, so a screen reader (and the browser test) reads what is drawn.
 */
export function BarChart({ labels, values, title }: { labels: string[]; values: number[]; title: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const bars = uPlot.paths.bars?.({ size: [0.6, 80] });
    const plot = new uPlot(
      {
        width: Math.max(320, Math.min(900, 120 * labels.length + 120)),
        height: 260,
        title,
        legend: { show: false },
        scales: {
          x: { time: false, range: [-0.5, labels.length - 0.5] },
          y: { range: (_u, _min, max) => [0, max || 1] },
        },
        axes: [
          { values: (_u, splits) => splits.map((split) => (Number.isInteger(split) ? (labels[split] ?? '') : '')) },
          { values: (_u, splits) => splits.map((split) => `$${split.toFixed(2)}`), size: 70 },
        ],
        series: [
          {},
          { label: 'charged (USD)', fill: '#4a7bd0', stroke: '#2f5aa8', paths: bars, points: { show: false } },
        ],
      },
      [labels.map((_, index) => index), values],
      host.current,
    );
    return () => plot.destroy();
  }, [labels.join('\n'), values.join(','), title]);
  const description = labels.map((label, index) => `${label}: $${(values[index] ?? 0).toFixed(6)}`).join('; ');
  return <div class="chart" ref={host} role="img" aria-label={`${title}. ${description}`} data-bars={labels.length} />;
}
