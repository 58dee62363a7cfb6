// An ECharts chart as a component: the library loads on first use, the chart resizes with its
// box, and under reduced motion it draws at once. Drawn as SVG, so its texts are elements a
// test can measure (the browser test checks that none overlaps another at 390 and 1280 px).
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
      chart.current = init(box.current, undefined, { renderer: "svg" });
      // Marks the box once a drawing (and its animation) is complete: screenshots and tests
      // wait for it.
      chart.current.on("finished", () => box.current?.setAttribute("data-drawn", ""));
      draw(chart.current, option.current);
      let width = box.current.clientWidth;
      observer = new ResizeObserver(() => {
        if (!chart.current || !box.current) return;
        chart.current.resize();
        if (box.current.clientWidth === width) return;
        width = box.current.clientWidth;
        draw(chart.current, option.current, false); // the legend's room follows the width
      });
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

function draw(chart: EChartsType, option: EChartsCoreOption, animate = true) {
  const still = !animate || matchMedia("(prefers-reduced-motion: reduce)").matches;
  chart.getDom().removeAttribute("data-drawn");
  chart.setOption({ animation: !still, ...withLayout(option, chart.getWidth()) }, true);
}

type Options = Record<string, unknown>;

// One layout for every chart, so that no page gets it wrong at 390 px: the legend is a single
// line at the top (scrolling when it does not fit, an entry longer than the chart cut with an
// ellipsis so it never runs under the pager), the plot starts below it with room for the y
// axis's name, and axis labels that would overlap are hidden. A page's own settings win.
function withLayout(option: EChartsCoreOption, width: number): EChartsCoreOption {
  const o: Options = { ...option };
  const legend = o.legend as Options | undefined;
  if (legend) {
    o.legend = {
      type: "scroll",
      top: 0,
      left: "center",
      textStyle: { width: Math.max(80, width - 150), overflow: "truncate" },
      ...legend,
    };
  }
  o.grid = { left: 8, right: 24, top: legend ? 64 : 36, bottom: 8, containLabel: true, ...(o.grid as Options) };
  for (const name of ["xAxis", "yAxis"]) {
    const axis = o[name] as Options | undefined;
    if (!axis) continue;
    o[name] = {
      nameGap: 14,
      ...axis,
      axisLabel: { hideOverlap: true, ...(axis.axisLabel as Options) },
    };
  }
  return o;
}
