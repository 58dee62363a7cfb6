// An ECharts chart as a component. Only the chart types and components the console uses are
// registered, which keeps the bundle small; the canvas resizes with its box.
import { useEffect, useRef } from "preact/hooks";
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  TitleComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  TitleComponent,
  CanvasRenderer,
]);

export function Chart(props: { option: EChartsCoreOption; label: string; testId?: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    chart.current = echarts.init(box.current!);
    const observer = new ResizeObserver(() => chart.current?.resize());
    observer.observe(box.current!);
    return () => {
      observer.disconnect();
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    // Legend on top, and no animation for those who ask for less motion.
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    chart.current?.setOption({ animation: !still, ...props.option }, true);
  }, [props.option]);
  return (
    <div
      class="chart"
      ref={box}
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
      style={{ height: (props.height ?? 300) + "px" }}
    />
  );
}
