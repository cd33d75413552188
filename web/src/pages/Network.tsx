import { lazy, Suspense } from "react";
import { Address, Card, Empty, Stat } from "../components/ui.tsx";
import { useNodes, useStats } from "../hooks/data.ts";
import { countryLabel } from "../lib/countries.ts";
import { formatBps, formatCount, formatGbtAmount, formatTasks } from "../lib/format.ts";

const WorldMap = lazy(() => import("../components/WorldMap.tsx"));

export function NetworkPage() {
  const stats = useStats();
  const nodes = useNodes();
  const perCountry = stats.data?.nodesPerCountry ?? {};
  const countries = Object.entries(perCountry).sort((a, b) => b[1] - a[1]);
  return (
    <div className="page network">
      <div className="grid stats-grid">
        <Stat
          label="Active nodes"
          testId="network-active"
          value={formatCount(stats.data?.activeNodes ?? 0)}
          hint={`${formatCount(stats.data?.connectedNodes ?? 0)} connected`}
        />
        <Stat
          label="Known nodes"
          value={formatCount(stats.data?.nodes ?? 0)}
          hint={`${formatCount(stats.data?.bannedNodes ?? 0)} banned`}
        />
        <Stat label="Tasks completed" value={formatTasks(stats.data?.tasksCompleted ?? 0)} />
        <Stat label="Tasks queued" value={formatTasks(stats.data?.tasksQueued ?? 0)} />
        <Stat
          label="Fraud blocked"
          value={formatCount(stats.data?.fraudBlocked ?? 0)}
          hint="wrong results caught by verification"
          tone="warn"
        />
      </div>
      <Card title="Nodes around the world" actions={<span className="muted small">refreshed every 30 s</span>}>
        <Suspense fallback={<div className="map-placeholder">Loading map…</div>}>
          <WorldMap perCountry={perCountry} />
        </Suspense>
      </Card>
      <div className="grid two">
        <Card title="Per country">
          {countries.length > 0 ? (
            <div className="table-wrap">
              <table className="table as-cards" aria-label="Nodes per country" data-testid="country-table">
                <thead>
                  <tr>
                    <th>Country</th>
                    <th>Nodes</th>
                  </tr>
                </thead>
                <tbody>
                  {countries.map(([code, count]) => (
                    <tr key={code}>
                      <td data-label="Country">{countryLabel(code)}</td>
                      <td data-label="Nodes">{formatCount(count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No node has declared a country yet.</Empty>
          )}
        </Card>
        <Card title="Top nodes">
          {nodes.data && nodes.data.length > 0 ? (
            <div className="table-wrap">
              <table className="table as-cards" aria-label="Nodes">
                <thead>
                  <tr>
                    <th>Node</th>
                    <th>Reputation</th>
                    <th>Validated</th>
                    <th>Earned</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {[...nodes.data]
                    .sort((a, b) => (b.confirmedWei > a.confirmedWei ? 1 : b.confirmedWei < a.confirmedWei ? -1 : 0))
                    .slice(0, 10)
                    .map((n) => (
                      <tr key={n.address}>
                        <td data-label="Node">
                          <Address value={n.address} />{" "}
                          <span className="muted">{n.country ? countryLabel(n.country) : "unknown"}</span>
                        </td>
                        <td data-label="Reputation">{formatBps(n.reputationBps)}</td>
                        <td data-label="Validated">{formatTasks(n.tasksValidated)}</td>
                        <td data-label="Earned">{formatGbtAmount(n.confirmedWei, 2)}</td>
                        <td data-label="Status">
                          {n.connected ? (
                            <span className="tag tag-validated">online</span>
                          ) : (
                            <span className="tag">offline</span>
                          )}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No nodes yet.</Empty>
          )}
        </Card>
      </div>
    </div>
  );
}
