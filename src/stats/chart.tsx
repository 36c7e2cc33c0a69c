import { scaleBand, scaleLinear } from 'd3-scale';

const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 40, left: 84 };

/**
 * A bar chart drawn on the server as SVG: no script, no inline style (the page's CSP allows
 * neither), the figures also in the table below it.
 */
export function BarChart(props: {
  id: string;
  title: string;
  bars: { label: string; value: number }[];
  lang: string;
}) {
  const format = new Intl.NumberFormat(props.lang === 'vi' ? 'vi-VN' : 'en-GB');
  const x = scaleBand<string>()
    .domain(props.bars.map((b) => b.label))
    .range([MARGIN.left, WIDTH - MARGIN.right])
    .padding(0.15);
  const max = Math.max(1, ...props.bars.map((b) => b.value));
  const y = scaleLinear()
    .domain([0, max])
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const ticks = y.ticks(4);
  const every = Math.max(1, Math.ceil(props.bars.length / 8));
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-labelledby={`${props.id}-title`}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={`${props.id}-title`}>{props.title}</title>
      {ticks.map((t) => (
        <g key={t}>
          <line
            x1={MARGIN.left}
            x2={WIDTH - MARGIN.right}
            y1={y(t)}
            y2={y(t)}
            stroke="#b1b4b6"
            stroke-width="1"
          />
          <text x={MARGIN.left - 6} y={y(t) + 4} text-anchor="end" font-size="11" fill="#0b0c0c">
            {format.format(t)}
          </text>
        </g>
      ))}
      {props.bars.map((b, i) => (
        <g key={b.label}>
          <rect
            x={x(b.label)}
            y={y(b.value)}
            width={x.bandwidth()}
            height={HEIGHT - MARGIN.bottom - y(b.value)}
            fill="#00594c"
          >
            <title>{`${b.label}: ${format.format(b.value)}`}</title>
          </rect>
          {i % every === 0 && (
            <text
              x={(x(b.label) ?? 0) + x.bandwidth() / 2}
              y={HEIGHT - MARGIN.bottom + 16}
              text-anchor="middle"
              font-size="11"
              fill="#0b0c0c"
            >
              {b.label.slice(5)}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
