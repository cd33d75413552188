import { lazy, Suspense } from "react";
import { Card, Empty, Stat } from "../components/ui.tsx";
import { useNodes, useStats } from "../hooks/data.ts";
import { countryName } from "../lib/countries.ts";
import { formatBps, formatCount, formatGbt, shortAddress } from "../lib/format.ts";

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
        <Stat label="Tasks completed" value={formatCount(stats.data?.tasksCompleted ?? 0)} />
        <Stat label="Tasks queued" value={formatCount(stats.data?.tasksQueued ?? 0)} />
        <Stat label="Fraud blocked" value={formatCount(stats.data?.fraudBlocked ?? 0)} tone="warn" />
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
              <table className="table" aria-label="Nodes per country" data-testid="country-table">
                <thead>
                  <tr>
                    <th>Country</th>
                    <th>Nodes</th>
                  </tr>
                </thead>
                <tbody>
                  {countries.map(([code, count]) => (
                    <tr key={code}>
                      <td>
                        {countryName(code)} <span className="muted">({code})</span>
                      </td>
                      <td>{count}</td>
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
              <table className="table" aria-label="Nodes">
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
                        <td>
                          <code>{shortAddress(n.address)}</code>{" "}
                          {n.country && <span className="muted">{n.country}</span>}
                        </td>
                        <td>{formatBps(n.reputationBps)}</td>
                        <td>{formatCount(n.tasksValidated)}</td>
                        <td>{formatGbt(n.confirmedWei, 2)}</td>
                        <td>
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
