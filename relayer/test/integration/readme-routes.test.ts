// Every endpoint the README's integrator table names is served where it says (the README once named the node socket
// `/ws` while the relayer served `/ws/node`). An HTTP route exists when its answer is not the relayer's generic
// `{"error":"not found"}` for unknown routes; a socket path exists when the upgrade succeeds.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { closeAll, fleet, play, REPO_ROOT, startTestRelayer, type TestNode, type TestRelayer } from "@gitblock/testkit";
import WebSocket from "ws";

/** `GET /api/nodes/:address`, `WS /ws/dashboard?address=0x…`, … from the table after "HTTP/WS API". */
function readmeEndpoints(): Array<{ method: string; path: string }> {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("**HTTP/WS API**"), readme.indexOf("## Contracts"));
  const http = [...table.matchAll(/`(GET|POST) (\/[^`\s?]*)[^`]*`/g)].map((m) => ({
    method: m[1] as string,
    path: m[2] as string,
  }));
  const sockets = [...table.matchAll(/WS `(\/[^`\s?]*)[^`]*`/g)].map((m) => ({ method: "WS", path: m[1] as string }));
  return [...http, ...sockets];
}

const ZERO = "0x0000000000000000000000000000000000000000";

describe("the README's endpoints", () => {
  let t: TestRelayer;
  let nodes: TestNode[] = [];
  // A final task: an unknown task id answers exactly like an unknown route (PRIVACY.md), so `:id` must be real.
  let taskId = "";
  before(async () => {
    t = await startTestRelayer();
    nodes = await fleet(t, 3);
    taskId = (await t.relayer.scheduler.submit({ model: "tiny-llm", input: "readme", maxTokens: 4, seed: 1 })).id;
    await play(t, nodes, taskId);
  });
  after(async () => {
    closeAll(nodes);
    await t.stop();
  });
  const concrete = (p: string) => p.replace(":address", ZERO).replace(":id", taskId).replace(":n", "1");

  it("are all served where the README says", async () => {
    const endpoints = readmeEndpoints();
    assert.ok(endpoints.length >= 15, `read ${endpoints.length} endpoints from the README's table`);
    assert.equal(endpoints.filter((e) => e.method === "WS").length, 2, "both sockets: the node's and the dashboard's");
    const missing: string[] = [];
    for (const { method, path: route } of endpoints) {
      const url = `${t.url}${concrete(route)}`;
      if (method === "WS") {
        const query = route.includes("dashboard") ? `?address=${ZERO}` : "";
        const opened = await new Promise<boolean>((resolve) => {
          const ws = new WebSocket(`${url.replace("http", "ws")}${query}`);
          ws.once("open", () => {
            ws.close();
            resolve(true);
          });
          ws.once("error", () => resolve(false));
        });
        if (!opened) missing.push(`${method} ${route}`);
        continue;
      }
      const res = await fetch(url, {
        method,
        ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}),
      });
      const body = await res.text();
      if (res.status === 404 && body === JSON.stringify({ error: "not found" })) missing.push(`${method} ${route}`);
    }
    assert.deepEqual(missing, []);
  });
});
