// TEMPORARY diagnostic (to be deleted)
import { DatabaseSync, StatementSync } from "node:sqlite";
import { fork } from "node:child_process";
import path from "node:path";
import { SimulationEngine } from "@gitblock/sdk/engines/simulation";
import { startTestRelayer, waitForReadyNodes } from "@gitblock/testkit";
const slow = new Map<string, { n: number; ms: number; max: number }>(); let sqlOn = false;
for (const proto of [StatementSync.prototype, DatabaseSync.prototype] as any[]) for (const m of ["run", "all", "get", "exec"]) { const f = proto[m]; if (!f) continue; proto[m] = function (this: any, ...a: any[]) { const t0 = performance.now(); try { return f.apply(this, a); } finally { if (sqlOn) { const d = performance.now() - t0; const k = (m === "exec" ? String(a[0]) : String(this.sourceSQL)).slice(0, 70); const e = slow.get(k) ?? { n: 0, ms: 0, max: 0 }; e.n++; e.ms += d; e.max = Math.max(e.max, d); slow.set(k, e); } } }; }
const conc = Number(process.argv[2] ?? 50);
const t = await startTestRelayer({ admission: { maxConnectionsPerIp: 4096 }, inference: { anonymousRequestsPerDay: 1e8, anonymousTokensPerDay: 1e12, minVerifyShare: 0, maxVerifyShare: 0 } });
const mk = (s: string) => { const c = fork(path.join(import.meta.dirname, s), { stdio: ["ignore", "inherit", "inherit", "ipc"] }); const inbox: any[] = []; c.on("message", (m) => inbox.push(m)); return { c, next: async (ty: string) => { for (;;) { const i = inbox.findIndex((m) => m.type === ty || m.type === "fatal"); if (i >= 0) return inbox.splice(i, 1)[0]; await new Promise((r) => setTimeout(r, 5)); } } }; };
const nodes = mk("gateway-nodes.ts"); const users = mk("gateway-load.ts");
nodes.c.send({ type: "start", relayer: t.url, engine: { kind: "simulation", model: "sim-llm", perTokenMs: 10 }, count: 4, capacity: 16 });
const { addresses } = await nodes.next("ready"); await waitForReadyNodes(t, addresses, "sim-llm");
const engine = new SimulationEngine({ models: ["sim-llm"] }); const prompts: string[] = [];
for (let i = 0; prompts.length < 200; i++) { const input = `Tell me about GPUs, part ${i}.`; const { tokenIds } = await engine.generate({ model: "sim-llm", input, maxTokens: 64, seed: 0 }); if (tokenIds.length === 64) prompts.push(input); }
let last = performance.now(), blocked = 0; const t0 = performance.now(); const cpu0 = process.cpuUsage();
const iv = setInterval(() => { const n = performance.now(); if (n - last > 5) blocked += n - last; last = n; }, 1);
sqlOn = true;
users.c.send({ type: "closed", url: t.url, route: "text", model: "sim-llm", prompts, maxTokens: 64, concurrency: conc, requests: Number(process.argv[3] ?? 400) });
const r = await users.next("closed"); sqlOn = false; clearInterval(iv); const wall = performance.now() - t0; const cpu = process.cpuUsage(cpu0);
const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`conc ${conc} ttft p50 ${med(r.ttftMs).toFixed(1)} rps ${(r.completed / r.seconds).toFixed(0)} | relayer loop blocked >5ms: ${blocked.toFixed(0)} of ${wall.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
let sum = 0; for (const v of slow.values()) sum += v.ms;
console.log(`sql total ${sum.toFixed(0)} ms`);
for (const [k, v] of [...slow].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) console.log(`  ${v.n} calls ${v.ms.toFixed(0)} ms max ${v.max.toFixed(1)} ${k}`);
nodes.c.kill(); users.c.kill(); await t.stop(); process.exit(0);
