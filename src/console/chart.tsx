import { scaleBand, scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';

export interface ChartPoint {
  label: string;
  value: number;
}

/**
 * A bar chart drawn on the server as SVG (d3 computes the geometry, JSX writes it, so every
 * label is escaped). The numbers are always also in a table beside it: the SVG is an image
 * with a title for screen readers, not the only place the figures live.
 */
export function BarChart(props: {
  id: string;
  title: string;
  points: ChartPoint[];
  /** A trend line through the bars (d3-shape), e.g. counts over days. */
  trend?: boolean;
  formatValue: (value: number) => string;
}) {
  const width = 720;
  const height = 240;
  const margin = { top: 16, right: 12, bottom: 48, left: 12 };
  const x = scaleBand<string>()
    .domain(props.points.map((p) => p.label))
    .range([margin.left, width - margin.right])
    .padding(0.15);
  const max = Math.max(1, ...props.points.map((p) => p.value));
  const y = scaleLinear()
    .domain([0, max])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const every = Math.max(1, Math.ceil(props.points.length / 10));
  const path =
    props.trend && props.points.length > 1
      ? line<ChartPoint>()
          .x((p) => (x(p.label) ?? 0) + x.bandwidth() / 2)
          .y((p) => y(p.value))(props.points)
      : null;
  const titleId = `${props.id}-title`;
  return (
    <svg
      class="bar-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-labelledby={titleId}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={titleId}>{props.title}</title>
      <line
        x1={margin.left}
        x2={width - margin.right}
        y1={y(0)}
        y2={y(0)}
        stroke="#505a5f"
        stroke-width="1"
      />
      {props.points.map((p) => (
        <rect
          key={p.label}
          x={x(p.label)}
          y={y(p.value)}
          width={x.bandwidth()}
          height={Math.max(0, y(0) - y(p.value))}
          fill="#00594c"
        >
          <title>{`${p.label}: ${props.formatValue(p.value)}`}</title>
        </rect>
      ))}
      {path && <path d={path} fill="none" stroke="#b58105" stroke-width="2" />}
      {props.points.map((p, i) =>
        i % every === 0 ? (
          <text
            key={`l-${p.label}`}
            x={(x(p.label) ?? 0) + x.bandwidth() / 2}
            y={height - margin.bottom + 16}
            text-anchor="middle"
            font-size="12"
            fill="#0b0c0c"
          >
            {p.label}
          </text>
        ) : null,
      )}
      <text x={margin.left} y={margin.top - 4} font-size="12" fill="#0b0c0c">
        {props.formatValue(max)}
      </text>
    </svg>
  );
}
