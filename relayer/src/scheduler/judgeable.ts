import type { RelayerConfig } from "../config/schema.ts";
import { TaskRefusedError } from "../errors.ts";
import type { Store } from "../store/types.ts";

/**
 * Refuses a submitted job (`POST /api/tasks`, `tasks submit`) that needs more nodes than the network could ever have.
 *
 * What a job needs: one generator, then, after its reveal, one checker of another operator. The judge draws k
 * verifiers (`verification.verifiers`) when it can and fewer when fewer are free, down to one; with no ordinary
 * verifier it sends the claim to the dispute tier (`verification.referenceVerifiers`). The scheduler never waits for
 * verifiers (they are drawn after the reveal, which frees the generator's slot), so a job nobody can check holds no
 * capacity: it is generated, waits for a checker and ends `inconclusive` after `giveUpAfterMs`, its generator unpaid.
 *
 * Node counts cannot tell such a job: nodes sign in whenever they like, and tasks are routinely submitted before
 * the nodes that will run and check them (tests, `npm start`, the simulator; a verifier joining between the dispatch
 * and the reveal is enough). What can is the config: an ordinary verifier needs full tenure (`tenureTasks` validated
 * tasks; weight.ts), and validated tasks need a checker. With no dispute tier and `tenureTasks > 0`, a network in
 * which no node has full tenure can therefore never check any claim, however many nodes join: every job it accepted
 * would be generated for nothing. That job, the one the protocol could never judge, is refused. (Bonds, where
 * required, are not counted: a node can post one at any time.)
 */
export async function requireJudgeable(
  store: Pick<Store, "anyNodeValidated">,
  config: Pick<RelayerConfig["verification"], "referenceVerifiers" | "tenureTasks">,
): Promise<void> {
  if (config.referenceVerifiers.length > 0 || config.tenureTasks <= 0) return;
  if (await store.anyNodeValidated(config.tenureTasks)) return;
  throw new TaskRefusedError(
    `task refused: it needs a verifier besides its generator, and none could ever be drawn: verifying takes full ` +
      `tenure (verification.tenureTasks = ${config.tenureTasks} validated tasks), no node has it yet, and only ` +
      `verified tasks earn it; configure reference verifiers (verification.referenceVerifiers) to check claims until ` +
      `nodes earn tenure, or set verification.tenureTasks to 0`,
  );
}
