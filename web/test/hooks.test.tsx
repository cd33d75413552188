// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import type { Address } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { TaskAssignments } from "../src/components/TaskAssignments.tsx";
import { AppProvider } from "../src/context.tsx";
import { useClaimProof, useProfile, useStats } from "../src/hooks/data.ts";
import type { FeedStatus } from "../src/lib/feed.ts";
import type { ClaimProof, EpochRow, NetworkStats, NodeProfile, RelayerApi, TaskDetail } from "../src/lib/sdk.ts";
import { TASK_FILTERS, taskStatusLabel } from "../src/lib/task-labels.ts";
import { LiveContext } from "../src/live.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const ADDRESS = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" as Address;

function fakeApi(options: { epochs?: EpochRow[]; profile?: NodeProfile | null; task?: TaskDetail | null } = {}) {
  const calls: string[] = [];
  const api = {
    base: "",
    async profile() {
      calls.push("profile");
      return options.profile ?? null;
    },
    async stats() {
      calls.push("stats");
      return { activeNodes: 7 } as NetworkStats;
    },
    async epochs() {
      calls.push("epochs");
      return options.epochs ?? [];
    },
    async claim() {
      calls.push("claim");
      return { epoch: 1 } as ClaimProof;
    },
    async task(id: string) {
      calls.push(`task ${id}`);
      return options.task ?? null;
    },
  } as unknown as RelayerApi;
  return { api, calls };
}

const mounted: Array<() => void> = [];
const rendered = new Set<QueryClient>();
afterEach(() => {
  for (const unmount of mounted.splice(0)) unmount();
  rendered.clear();
});

async function render(node: ReactNode, api: RelayerApi, status: FeedStatus, client = new QueryClient()) {
  const container = document.createElement("div");
  const root = createRoot(container);
  rendered.add(client);
  await act(async () => {
    root.render(
      <QueryClientProvider client={client}>
        <AppProvider value={{ api, runtime: { relayer: "", deployments: [] } }}>
          <LiveContext.Provider value={{ status, latencyMs: 5, activity: [], verdicts: [] }}>
            {node}
          </LiveContext.Provider>
        </AppProvider>
      </QueryClientProvider>,
    );
  });
  mounted.push(() => act(() => root.unmount()));
  return { container, client };
}

/**
 * Until every rendered query client is idle: one macrotask turn at a time (inside `act`, so React commits what
 * the queries returned and starts the queries that enables), until two turns in a row find no fetch in flight.
 * react-query notifies on a zero-delay timer, so a turn always runs after the notifications queued before it.
 */
async function untilQueriesIdle(timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let idleTurns = 0; idleTurns < 2; ) {
    if (Date.now() > deadline) throw new Error(`queries still fetching after ${timeoutMs} ms`);
    await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
    idleTurns = [...rendered].every((client) => client.isFetching() === 0) ? idleTurns + 1 : 0;
  }
}

function Profile() {
  const profile = useProfile(ADDRESS);
  return <span>{profile.data ? `rep ${profile.data.reputationBps}` : "none"}</span>;
}

describe("useProfile", () => {
  const profile = { address: ADDRESS, reputationBps: 9_900 } as NodeProfile;

  it("asks nothing over HTTP while the live channel is up (the relayer pushes the profile)", async () => {
    const { api, calls } = fakeApi({ profile });
    const client = new QueryClient();
    const { container } = await render(<Profile />, api, "live", client);
    await untilQueriesIdle();
    expect(calls).toEqual([]);
    expect(container.textContent).toBe("none");
    // A pushed profile lands in the cache and shows at once.
    await act(async () => client.setQueryData(["profile", ADDRESS], profile));
    await untilQueriesIdle();
    expect(container.textContent).toBe("rep 9900");
  });

  it("falls back to HTTP when the live channel is offline", async () => {
    const { api, calls } = fakeApi({ profile });
    const { container } = await render(<Profile />, api, "offline");
    await untilQueriesIdle();
    expect(calls).toContain("profile");
    expect(container.textContent).toBe("rep 9900");
  });
});

function Claim() {
  const claim = useClaimProof(ADDRESS);
  return <span>{claim.data ? `epoch ${claim.data.epoch}` : "no claim"}</span>;
}

describe("useClaimProof", () => {
  const final = { epoch: 1, status: "final" } as EpochRow;

  it("does not ask for a proof before any epoch is final (the relayer would answer 404)", async () => {
    const { api, calls } = fakeApi({
      epochs: [{ epoch: 1, status: "open" } as EpochRow],
      profile: { address: ADDRESS } as NodeProfile,
    });
    const { container } = await render(<Claim />, api, "offline");
    await untilQueriesIdle();
    expect(calls).toContain("epochs");
    expect(calls).not.toContain("claim");
    expect(container.textContent).toBe("no claim");
  });

  it("does not ask for an unknown node", async () => {
    const { api, calls } = fakeApi({ epochs: [final], profile: null });
    await render(<Claim />, api, "offline");
    await untilQueriesIdle();
    expect(calls).not.toContain("claim");
  });

  it("asks once a final epoch exists and the relayer knows the node", async () => {
    const { api, calls } = fakeApi({ epochs: [final], profile: { address: ADDRESS } as NodeProfile });
    const { container } = await render(<Claim />, api, "offline");
    await untilQueriesIdle();
    expect(calls).toContain("claim");
    expect(container.textContent).toBe("epoch 1");
  });
});

function Stats() {
  const stats = useStats();
  return <span>{stats.data?.activeNodes ?? "…"}</span>;
}

describe("useStats", () => {
  it("reads the network totals", async () => {
    const { api } = fakeApi();
    const { container } = await render(<Stats />, api, "live");
    await untilQueriesIdle();
    expect(container.textContent).toBe("7");
  });
});

describe("the task pages", () => {
  const assignment = {
    taskId: "t1",
    assignedAt: 1,
    submittedAt: 2,
    queueMs: 1,
    inferenceMs: 10,
  };
  const task: TaskDetail = {
    id: "t1",
    model: "tiny-llm",
    maxTokens: 8,
    seed: 0,
    status: "validated",
    createdAt: 0,
    assignedAt: 1,
    deadline: 5,
    outputHash: "0xabc",
    tokensGenerated: 6,
    judgedAt: 3,
    epoch: 1,
    assignments: [
      {
        ...assignment,
        node: ADDRESS,
        role: "generate",
        status: "correct",
        outputHash: "0xabc",
        tokensGenerated: 6,
        rewardWei: 10n ** 15n,
      },
      {
        ...assignment,
        node: "0x1111111111111111111111111111111111111111",
        role: "verify",
        status: "correct",
        outputHash: null,
        tokensGenerated: null,
        rewardWei: 0n,
      },
      {
        ...assignment,
        node: "0x2222222222222222222222222222222222222222",
        role: "verify",
        status: "wrong",
        outputHash: null,
        tokensGenerated: null,
        rewardWei: 0n,
      },
    ],
  };

  it("filter the feed by final statuses only (the relayer lists nothing in flight)", () => {
    expect(TASK_FILTERS.map((f) => f.value)).toEqual([
      "",
      "validated",
      "rejected",
      "inconclusive",
      "revoked",
      "expired",
    ]);
    expect(taskStatusLabel("revoked")).toBe("revoked");
    expect(taskStatusLabel("expired")).toBe("expired");
    expect(taskStatusLabel("disputed")).toBe("in dispute");
  });

  it("show who generated a final task and who verified it, with each verdict", async () => {
    const { api, calls } = fakeApi({ task });
    const { container } = await render(<TaskAssignments taskId="t1" />, api, "live");
    await untilQueriesIdle();
    expect(calls).toEqual(["task t1"]);
    const rows = [...container.querySelectorAll("tbody tr")].map((row) =>
      [...row.querySelectorAll("td")].map((cell) => cell.textContent),
    );
    expect(rows.map((cells) => cells.slice(1, 4))).toEqual([
      ["generated", "correct", "6 tokens"],
      ["verified", "correct", "—"],
      ["verified", "wrong", "—"],
    ]);
    expect(rows[0]?.[4]).toBe("0.001 GBT");
  });

  it("say so when the relayer has no such final task", async () => {
    const { api } = fakeApi({ task: null });
    const { container } = await render(<TaskAssignments taskId="t2" />, api, "live");
    await untilQueriesIdle();
    expect(container.textContent).toBe("This task is not available.");
  });
});
