import { describe, expect, it } from "vitest";
import { consentAllows } from "../src/node-runtime/consent-gate.ts";
import { nextPassiveAt } from "../src/node-runtime/passive-countdown.ts";
import type { FromWorker } from "../src/node-runtime/protocol.ts";
import { applyWorkerEvent, RECENT_LIMIT, STOPPED, startingSession } from "../src/node-runtime/session-state.ts";
import { readWantedRunning, writeWantedRunning } from "../src/node-runtime/wanted-running.ts";

const fold = (events: FromWorker[], state = startingSession(1_000)) => events.reduce(applyWorkerEvent, state);
const task = (i: number): FromWorker => ({ type: "task", id: `t${i}`, role: "generate", at: 2_000 + i });

describe("browser node session state", () => {
  it("keeps the last 20 tasks but counts every task from the worker's stats", () => {
    const events: FromWorker[] = [];
    for (let i = 0; i < 25; i++) events.push(task(i));
    events.push({
      type: "stats",
      tasksReceived: 25,
      tasksDone: 24,
      accepted: 20,
      rejected: 3,
      timeouts: 1,
      earnedWei: 7n,
      reputationBps: 9_000,
    });
    const state = fold(events);
    expect(state.recent).toHaveLength(RECENT_LIMIT);
    expect(state.recent[0]?.id).toBe("t24");
    expect(state.tasksReceived).toBe(25);
    expect(state.tasksCompleted).toBe(24);
    expect([state.accepted, state.rejected, state.timeouts, state.earnedWei]).toEqual([20, 3, 1, 7n]);
    expect(state.reputationBps).toBe(9_000);
  });

  it("settles a task's row with its verdict, time and reward, and counts a repeated task once", () => {
    const state = fold([
      task(1),
      task(1),
      { type: "verdict", id: "t1", outcome: "correct", rewardWei: 5n, at: 9_000 },
      { type: "verdict", id: "gone", outcome: "wrong", rewardWei: 0n, at: 9_500 },
    ]);
    expect(state.recent).toEqual([
      { id: "t1", role: "generate", state: "accepted", receivedAt: 2_001, settledAt: 9_000, rewardWei: 5n },
    ]);
    expect(state.lastVerdictAt).toBe(9_500);
  });

  it("keeps the error text of a failed start and clears it when running", () => {
    const failed = fold([{ type: "status", status: "error", error: "no wallet" }]);
    expect(failed.status).toBe("error");
    expect(failed.error).toBe("no wallet");
    expect(applyWorkerEvent(failed, { type: "status", status: "running" }).error).toBeNull();
  });

  it("starts a session from zero", () => {
    const state = startingSession(42);
    expect({ ...state, startedAt: null, status: "stopped" }).toEqual(STOPPED);
    expect(state.startedAt).toBe(42);
  });
});

describe("wanted-running record", () => {
  const memory = () => {
    const map = new Map<string, string>();
    return {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    };
  };

  it("round-trips and clears", () => {
    const storage = memory();
    const wanted = {
      address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" as const,
      engine: { kind: "simulation" as const, modelId: "sim-llm" },
    };
    writeWantedRunning(wanted, storage);
    expect(readWantedRunning(storage)).toEqual(wanted);
    writeWantedRunning(null, storage);
    expect(readWantedRunning(storage)).toBeNull();
  });

  it("ignores a damaged or unknown record", () => {
    const storage = memory();
    storage.setItem("gitblock.browserNode.v1", "{not json");
    expect(readWantedRunning(storage)).toBeNull();
    storage.setItem("gitblock.browserNode.v1", JSON.stringify({ address: "0x1", engine: { kind: "quantum" } }));
    expect(readWantedRunning(storage)).toBeNull();
  });
});

describe("consent per engine", () => {
  const consent = { gpu: true, cpu: false, storage: true, dailyGpuSeconds: 60, cpuThreads: 1, acceptedAt: 0 };

  it("asks GPU consent for WebGPU, CPU consent for WASM, none for the simulation", () => {
    expect(consentAllows(consent as never, "webgpu")).toBe(true);
    expect(consentAllows(consent as never, "wasm")).toBe(false);
    expect(consentAllows({ ...consent, cpu: true } as never, "wasm")).toBe(true);
    expect(consentAllows(null, "webgpu")).toBe(false);
    expect(consentAllows(null, "simulation")).toBe(true);
  });
});

describe("passive reward countdown", () => {
  it("uses the window's end, rolled forward by whole windows once past", () => {
    expect(nextPassiveAt(10_000, 300_000, 5_000)).toBe(10_000);
    expect(nextPassiveAt(10_000, 300_000, 10_000)).toBe(310_000);
    expect(nextPassiveAt(10_000, 300_000, 700_000)).toBe(910_000);
    expect(nextPassiveAt(null, 300_000, 0)).toBeNull();
    expect(nextPassiveAt(10_000, 0, 0)).toBeNull();
  });
});
