/**
 * What a test relayer runs with unless a test asks otherwise, in-process (`startTestRelayer`) or as a process
 * (`relayerProcessConfig`): deterministic (no challenges, traps or tenure ramp), short deadlines, no passive reward
 * within a test's time and no automatic epochs.
 */
export const TEST_RELAYER_DEFAULTS = {
  verification: {
    challengeRate: 0,
    trapRate: 0,
    tenureTasks: 0,
    taskTimeoutMs: 5_000,
    verifyTimeoutMs: 5_000,
    sweepIntervalMs: 50,
  },
  rewards: { passiveIntervalMs: 3_600_000 },
  epochs: { intervalMs: 0, autoPropose: false },
} as const;
