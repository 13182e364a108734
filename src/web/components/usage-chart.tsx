// What an instance used against what it asks, over time: one small uPlot chart (about 50 kB,
// canvas, no framework). The numbers beside it are the accessible part; the chart is a picture.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useLanguage } from "../i18n.js";
import { dateFormatter } from "./chart-dates.js";

export interface UsagePoints {
  /** Unix seconds. */
  readonly times: readonly number[];
  readonly used: readonly (number | null)[];
  readonly requested: readonly (number | null)[];
}

export function UsageChart({
  title,
  unit,
  points,
  labels,
}: {
  title: string;
  unit: string;
  points: UsagePoints;
  labels: { used: string; requested: string; time?: string };
}) {
  const container = useRef<HTMLDivElement>(null);
  const { language } = useLanguage();
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const number = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
    const options: uPlot.Options = {
      title,
      fmtDate: dateFormatter(language),
      width: Math.max(element.clientWidth, 320),
      height: 180,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 0.001) * 1.1] } },
      axes: [{}, { values: (_u, ticks) => ticks.map((tick) => `${number.format(tick)} ${unit}`), size: 70 }],
      series: [
        labels.time ? { label: labels.time } : {},
        {
          label: labels.used,
          stroke: "#1f6feb",
          fill: "rgba(31, 111, 235, 0.12)",
          width: 2,
          value: (_u, v) => (v == null ? "–" : `${number.format(v)} ${unit}`),
        },
        { label: labels.requested, stroke: "#9a6700", dash: [6, 4], width: 2, value: (_u, v) => (v == null ? "–" : `${number.format(v)} ${unit}`) },
      ],
    };
    const data: uPlot.AlignedData = [points.times.slice(), points.used.slice(), points.requested.slice()];
    const chart = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 320), height: 180 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [title, unit, points, labels.used, labels.requested, labels.time, language]);
  return <div className="usage-chart" ref={container} role="img" aria-label={title} />;
}
