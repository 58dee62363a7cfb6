// An ECharts chart as a component: the library loads on first use, the canvas resizes with
// its box, and under reduced motion the chart draws at once.
import { useEffect, useRef } from "preact/hooks";
import type { EChartsCoreOption, EChartsType } from "echarts/core";

const library = () => import("./echarts");

export function Chart(props: { option: EChartsCoreOption; label: string; testId?: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const option = useRef(props.option);
  option.current = props.option;
  useEffect(() => {
    let live = true;
    let observer: ResizeObserver | null = null;
    library().then(({ init }) => {
      if (!live || !box.current) return;
      chart.current = init(box.current);
      draw(chart.current, option.current);
      observer = new ResizeObserver(() => chart.current?.resize());
      observer.observe(box.current);
    });
    return () => {
      live = false;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    if (chart.current) draw(chart.current, props.option);
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

function draw(chart: EChartsType, option: EChartsCoreOption) {
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  chart.setOption({ animation: !still, ...option }, true);
}
