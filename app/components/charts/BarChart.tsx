// Server-rendered charts: no client script, no style attributes (the CSP blocks them).
// The SVGs have no viewBox, so nothing is scaled: text is drawn at its CSS size (at least
// 12 px on a 360 px phone as on a desktop), bars are placed in percentages of the width,
// and labels that are not text in an SVG are HTML. Each chart has an axis with values and
// is followed by the same figures as a table for screen readers and for anyone who
// prefers numbers.
export type ChartBar = { key: string; label: string; amount: number; display: string; short?: string }

type Props = {
  id: string
  title: string
  desc: string
  bars: ChartBar[]
  orientation?: 'vertical' | 'horizontal'
  labelHeader: string
  valueHeader: string
  tableLabel: string
  /** An axis value, e.g. formatMoneyAxis: rounded and compact. */
  tick: (amount: number) => string
}

/** 0 and round steps (1, 2 or 5 × 10ⁿ) up to at least `max`: four or five ticks. */
export function axisTicks(max: number): number[] {
  if (max <= 0) return [0]
  const rough = max / 4
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power
  const ticks = [0]
  while (ticks.at(-1)! < max) ticks.push(ticks.at(-1)! + step)
  return ticks
}

const H = 240
const TOP = 12
const BOTTOM = 28
const pct = (n: number) => `${Math.round(n * 100) / 100}%`

function VerticalBars({ bars, tick }: { bars: ChartBar[]; tick: Props['tick'] }) {
  const ticks = axisTicks(Math.max(0, ...bars.map((b) => b.amount)))
  const top = ticks.at(-1) || 1
  const plot = H - TOP - BOTTOM
  const y = (v: number) => TOP + plot - (plot * Math.max(0, v)) / top
  const step = 100 / Math.max(1, bars.length)
  // On a phone only every few months is labelled (CSS hides the minor labels).
  const every = Math.ceil(bars.length / 4)
  return (
    <div className="chart-plot">
      <svg className="chart-yaxis" width="76" height={H} aria-hidden="true" focusable="false">
        {ticks.map((v) => (
          <text key={v} className="chart-tick" x={70} y={y(v) + 4} textAnchor="end">
            {tick(v)}
          </text>
        ))}
      </svg>
      <svg className="chart-area" width="100%" height={H} aria-hidden="true" focusable="false">
        {ticks.map((v) => (
          <line key={v} className={v === 0 ? 'chart-axis' : 'chart-grid'} x1="0" x2="100%" y1={y(v)} y2={y(v)} />
        ))}
        {bars.map((b, i) => (
          <g key={b.key}>
            <rect
              className="chart-bar"
              x={pct(i * step + step * 0.15)}
              y={y(b.amount)}
              width={pct(step * 0.7)}
              height={Math.max(0, TOP + plot - y(b.amount))}
            >
              <title>{`${b.label}: ${b.display}`}</title>
            </rect>
            <text
              className={i % every === 0 ? 'chart-label' : 'chart-label chart-label-minor'}
              x={pct((i + 0.5) * step)}
              y={H - 8}
              textAnchor="middle"
            >
              {b.short ?? b.label}
            </text>
          </g>
        ))}
      </svg>
    </div>
  )
}

function HorizontalBars({ bars, tick }: { bars: ChartBar[]; tick: Props['tick'] }) {
  const ticks = axisTicks(Math.max(0, ...bars.map((b) => b.amount)))
  const top = ticks.at(-1) || 1
  return (
    <div className="chart-hbars">
      {bars.map((b) => (
        <div className="chart-hrow" key={b.key}>
          <span className="chart-hlabel">{b.label}</span>
          <svg className="chart-hbar" width="100%" height="20" aria-hidden="true" focusable="false">
            <rect className="chart-bar" x="0" y="2" height="16" width={pct((100 * Math.max(0, b.amount)) / top)}>
              <title>{`${b.label}: ${b.display}`}</title>
            </rect>
          </svg>
          <span className="chart-value">{b.display}</span>
        </div>
      ))}
      <div className="chart-hrow">
        <span />
        <svg className="chart-hbar" width="100%" height="20" aria-hidden="true" focusable="false">
          <line className="chart-axis" x1="0" x2="100%" y1="1" y2="1" />
          {ticks.map((v, i) => (
            <text
              key={v}
              className={i === 0 || i === ticks.length - 1 ? 'chart-tick' : 'chart-tick chart-label-minor'}
              x={pct((100 * v) / top)}
              y={16}
              textAnchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}
            >
              {tick(v)}
            </text>
          ))}
        </svg>
        <span />
      </div>
    </div>
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
  tick,
}: Props) {
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <p id={`${id}-desc`} className="chart-desc">
        {desc}
      </p>
      <div role="img" aria-labelledby={`${id}-caption ${id}-desc`}>
        {orientation === 'vertical' ? (
          <VerticalBars bars={bars} tick={tick} />
        ) : (
          <HorizontalBars bars={bars} tick={tick} />
        )}
      </div>
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
  tick,
}: {
  id: string
  title: string
  desc: string
  /** `note` explains the figure in one line, beside it in the legend. */
  stages: (ChartBar & { note: string })[]
  tick: (amount: number) => string
}) {
  const total = stages.reduce((s, b) => s + Math.max(0, b.amount), 0)
  const ticks = [0, total / 2, total].map(Math.round)
  let x = 0
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <div role="img" aria-labelledby={`${id}-caption ${id}-desc`}>
        <p id={`${id}-desc`} className="visually-hidden">
          {desc}
        </p>
        <svg className="chart-area" width="100%" height="64" aria-hidden="true" focusable="false">
          {stages.map((s, i) => {
            const w = (100 * Math.max(0, s.amount)) / Math.max(1, total)
            const rect = (
              <rect key={s.key} className={`chart-stage chart-stage-${i}`} x={pct(x)} y={4} width={pct(w)} height={36}>
                <title>{`${s.label}: ${s.display}`}</title>
              </rect>
            )
            x += w
            return rect
          })}
          <line className="chart-axis" x1="0" x2="100%" y1={42} y2={42} />
          {ticks.map((v, i) => (
            <text
              key={i}
              className="chart-tick"
              x={pct(i * 50)}
              y={58}
              textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}
            >
              {tick(v)}
            </text>
          ))}
        </svg>
      </div>
      <ul className="chart-legend">
        {stages.map((s, i) => (
          <li key={s.key}>
            <span className="chart-legend-name">
              <svg className="chart-swatch" width="12" height="12" aria-hidden="true" focusable="false">
                <rect className={`chart-stage chart-stage-${i}`} width={12} height={12} />
              </svg>
              {s.label}: <strong>{s.display}</strong>
            </span>
            <span className="chart-note">{s.note}</span>
          </li>
        ))}
      </ul>
    </figure>
  )
}
