import { formatCount } from "../../lib/format.ts";
import type { Usage } from "../../lib/gateway-api.ts";
import { ProgressBar } from "../ui.tsx";

/** Today's requests and tokens against the wallet's daily free allowance. */
export function UsageToday({ usage }: { usage: Usage }) {
  return (
    <div className="usage" data-testid="usage-today">
      <p className="small">
        Today ({usage.day} UTC): <strong>{formatCount(usage.requests)}</strong> of {formatCount(usage.requestsPerDay)}{" "}
        requests, <strong>{formatCount(usage.tokens)}</strong> of {formatCount(usage.tokensPerDay)} tokens.
      </p>
      <ProgressBar
        value={usage.requestsPerDay > 0 ? usage.requests / usage.requestsPerDay : 0}
        label="Requests used today"
      />
      <ProgressBar value={usage.tokensPerDay > 0 ? usage.tokens / usage.tokensPerDay : 0} label="Tokens used today" />
    </div>
  );
}
