// ECharts with only what the console draws (bar and line charts, grid, legend, tooltip).
// Imported lazily by Chart: the charting code (most of the bundle's weight) loads with the
// first page that shows a chart, not with sign-in.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export const init = echarts.init;
