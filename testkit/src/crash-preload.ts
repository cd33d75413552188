// Preload for crash tests: `node --import <CRASH_PRELOAD> relayer/src/cli/main.ts …` with
// `GITBLOCK_TEST_CRASH_AFTER=<step>` (closed | built | signed | broadcast) SIGKILLs the process, no cleanup, the
// moment the relayer's settler publishes that step on its diagnostics channel. Test code only: the relayer itself
// just publishes its steps (`SETTLEMENT_CHANNEL`).
import diagnostics_channel from "node:diagnostics_channel";
import { SETTLEMENT_CHANNEL, type SettlementStep } from "@gitblock/relayer";

const crashAfter = process.env.GITBLOCK_TEST_CRASH_AFTER;
if (crashAfter) {
  diagnostics_channel.subscribe(SETTLEMENT_CHANNEL, (message) => {
    if ((message as SettlementStep).step === crashAfter) process.kill(process.pid, "SIGKILL");
  });
}
