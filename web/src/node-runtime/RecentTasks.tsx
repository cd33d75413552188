/** The session's recent tasks (the last 20): role, verdict, when it came and when it was settled, the reward. */
import { Card, Empty } from "../components/ui.tsx";
import { formatGbt, shortTaskId } from "../lib/format.ts";
import { useBrowserNode } from "./BrowserNodeProvider.tsx";
import { RECENT_LIMIT } from "./session-state.ts";

const clock = (at: number) => new Date(at).toLocaleTimeString("en-GB", { hour12: false });

export function RecentTasks() {
  const node = useBrowserNode();
  return (
    <Card title={`Recent tasks (last ${RECENT_LIMIT})`}>
      {node.recent.length > 0 ? (
        <ul className="timeline" data-testid="recent-tasks">
          {node.recent.map((t) => (
            <li key={t.id} data-testid="recent-task">
              <span className={`tag tag-${t.state.replace(" ", "-")}`}>{t.state}</span>{" "}
              <code title={t.id}>{shortTaskId(t.id)}</code> · {t.role === "verify" ? "verified" : "generated"} ·
              received <time dateTime={new Date(t.receivedAt).toISOString()}>{clock(t.receivedAt)}</time>
              {t.settledAt !== undefined && (
                <>
                  {" "}
                  · settled <time dateTime={new Date(t.settledAt).toISOString()}>{clock(t.settledAt)}</time>
                </>
              )}
              {t.rewardWei !== undefined && t.rewardWei > 0n ? ` · +${formatGbt(t.rewardWei)} GBT` : ""}
            </li>
          ))}
        </ul>
      ) : (
        <Empty>Tasks show here as they arrive: processing, then accepted or rejected, with the time of each.</Empty>
      )}
    </Card>
  );
}
