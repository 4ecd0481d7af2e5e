// Server-rendered SVG bar charts: no client script, no style attributes (the CSP
// blocks them). Each chart is an image with a <title> and <desc>, followed by the
// same figures as a table for screen readers and for anyone who prefers numbers.
export type ChartBar = { key: string; label: string; amount: number; display: string }

type Props = {
  id: string
  title: string
  desc: string
  bars: ChartBar[]
  orientation?: 'vertical' | 'horizontal'
  labelHeader: string
  valueHeader: string
  tableLabel: string
}

const W = 640

function VerticalBars({ bars }: { bars: ChartBar[] }) {
  const h = 220
  const top = 10
  const bottom = 40
  const max = Math.max(1, ...bars.map((b) => b.amount))
  const step = W / Math.max(1, bars.length)
  const width = Math.max(2, step * 0.7)
  return (
    <>
      <line className="chart-axis" x1={0} y1={h - bottom} x2={W} y2={h - bottom} />
      {bars.map((b, i) => {
        const bh = Math.round(((h - top - bottom) * Math.max(0, b.amount)) / max)
        const x = i * step + (step - width) / 2
        return (
          <g key={b.key}>
            <rect className="chart-bar" x={x} y={h - bottom - bh} width={width} height={bh}>
              <title>{`${b.label}: ${b.display}`}</title>
            </rect>
            {bars.length <= 12 || i % Math.ceil(bars.length / 12) === 0 ? (
              <text className="chart-label" x={x + width / 2} y={h - bottom + 16} textAnchor="middle">
                {b.label}
              </text>
            ) : null}
          </g>
        )
      })}
    </>
  )
}

function HorizontalBars({ bars }: { bars: ChartBar[] }) {
  const row = 30
  const labelW = 170
  const valueW = 120
  const max = Math.max(1, ...bars.map((b) => b.amount))
  return (
    <>
      {bars.map((b, i) => {
        const bw = Math.round(((W - labelW - valueW) * Math.max(0, b.amount)) / max)
        const y = i * row
        return (
          <g key={b.key}>
            <text className="chart-label" x={labelW - 8} y={y + 19} textAnchor="end">
              {b.label.length > 14 ? `${b.label.slice(0, 13)}…` : b.label}
            </text>
            <rect className="chart-bar" x={labelW} y={y + 5} width={Math.max(bw, 1)} height={row - 10}>
              <title>{`${b.label}: ${b.display}`}</title>
            </rect>
            <text className="chart-value" x={labelW + bw + 6} y={y + 19}>
              {b.display}
            </text>
          </g>
        )
      })}
    </>
  )
}

export function BarChart({
  id,
  title,
  desc,
  bars,
  orientation = 'vertical',
  labelHeader,
  valueHeader,
  tableLabel,
}: Props) {
  const height = orientation === 'vertical' ? 220 : Math.max(30, bars.length * 30)
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <svg
        className="chart-svg"
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{desc}</desc>
        {orientation === 'vertical' ? <VerticalBars bars={bars} /> : <HorizontalBars bars={bars} />}
      </svg>
      <details className="chart-data">
        <summary>{tableLabel}</summary>
        <table>
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{labelHeader}</th>
              <th scope="col" className="num">
                {valueHeader}
              </th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.key}>
                <th scope="row">{b.label}</th>
                <td className="num">{b.display}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}

/** The award pipeline as one stacked bar: held in funds → awarded, awaiting payout → paid. */
export function PipelineChart({
  id,
  title,
  desc,
  stages,
}: {
  id: string
  title: string
  desc: string
  stages: ChartBar[]
}) {
  const total = Math.max(
    1,
    stages.reduce((s, b) => s + Math.max(0, b.amount), 0),
  )
  let x = 0
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <svg className="chart-svg" viewBox={`0 0 ${W} 60`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{desc}</desc>
        {stages.map((s, i) => {
          const w = (W * Math.max(0, s.amount)) / total
          const rect = (
            <rect key={s.key} className={`chart-stage chart-stage-${i}`} x={x} y={10} width={w} height={40}>
              <title>{`${s.label}: ${s.display}`}</title>
            </rect>
          )
          x += w
          return rect
        })}
      </svg>
      <ul className="chart-legend">
        {stages.map((s, i) => (
          <li key={s.key}>
            <svg className="chart-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
              <rect className={`chart-stage chart-stage-${i}`} width={10} height={10} />
            </svg>
            {s.label}: <strong>{s.display}</strong>
          </li>
        ))}
      </ul>
    </figure>
  )
}
