/** Earnings: per day over the last two weeks (a bar chart) and per placement. */
import { Card, Empty } from "../components/ui.tsx";
import { formatGbt } from "../lib/format.ts";
import { earningsByDay, tallestDay, totalsByPlacement } from "./earnings-series.ts";
import type { Placement, PublisherEarnings } from "./publisher-api.ts";

export function EarningsCard({ earnings, placements }: { earnings: PublisherEarnings; placements: Placement[] }) {
  const rows = earnings.perPlacementPerDay;
  const bars = earningsByDay(rows, Date.now());
  const totals = totalsByPlacement(rows);
  const max = tallestDay(bars);
  const width = 300;
  const height = 80;
  const barWidth = width / bars.length;
  return (
    <Card title="Earnings">
      {rows.length === 0 ? (
        <Empty>No earnings yet: they appear once visitors' tasks through your placements are validated.</Empty>
      ) : (
        <>
          <svg
            className="chart"
            viewBox={`0 0 ${width} ${height}`}
            preserveAspectRatio="none"
            role="img"
            aria-label={`Earnings per day, last ${bars.length} days`}
          >
            {bars.map((b, i) => {
              const h = Number((b.totalWei * BigInt(height - 4)) / max);
              return (
                <rect
                  key={b.day}
                  x={i * barWidth + 1}
                  y={height - h}
                  width={barWidth - 2}
                  height={h}
                  rx="1.5"
                  fill="var(--accent)"
                >
                  <title>
                    {b.day}: {formatGbt(b.totalWei)} GBT
                  </title>
                </rect>
              );
            })}
          </svg>
          <ul className="publisher-list" aria-label="Earnings per placement">
            {placements.map((p) => (
              <li key={p.id} data-testid={`earnings-${p.id}`}>
                {p.pageId} / {p.placementId}: <strong>{formatGbt(totals.get(p.id) ?? 0n)} GBT</strong>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
