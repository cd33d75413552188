import type { LockedTier } from "../../lib/catalogue.ts";
import { formatCount } from "../../lib/format.ts";
import { Card, ProgressBar } from "../ui.tsx";

/** Models that open as the network grows, each tier with how many active nodes it still needs. */
export function LockedTiers({ tiers, activeNodes }: { tiers: LockedTier[]; activeNodes: number }) {
  return (
    <Card title="Unlocking as the network grows">
      <p className="muted small">
        Bigger models open when enough nodes are active. Active now:{" "}
        <strong data-testid="chat-active">{formatCount(activeNodes)}</strong>.
      </p>
      {tiers.length === 0 ? (
        <p className="muted small">Every model the network lists is open.</p>
      ) : (
        <ul className="unlocks">
          {tiers.map((tier) => (
            <li key={tier.threshold} className="locked" data-testid={`tier-${tier.threshold}`}>
              <div className="unlock-head">
                <strong>{formatCount(tier.threshold)} active nodes</strong>
                <span className="tag tag-locked">locked · {formatCount(tier.missing)} to go</span>
              </div>
              <ProgressBar value={tier.share} label={`Progress to ${tier.threshold} nodes`} />
              <div className="model-list">
                {tier.models.map((m) => (
                  <span key={m.id} className="chip">
                    {m.label}
                  </span>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
