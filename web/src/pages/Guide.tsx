import { Card } from "../components/ui.tsx";
import { useApp } from "../context.tsx";
import { GATEWAY_BASE_PATH } from "../lib/chat-completions.ts";
import { openOnboarding } from "../onboarding/onboarding-state.ts";

/** Plain-words guide; the numbers match what the relayer enforces (relayer/src/economics, config defaults). */
const FAQ: Array<{ q: string; a: string[] }> = [
  {
    q: "How do I earn GBT?",
    a: [
      "Switch on the GPU node on the Mining page. The relayer sends your browser small AI tasks; the model runs on your GPU and the answer goes back.",
      "Each task goes to one node, which generates the answer; other nodes of different owners then verify it. A validated task pays its generator: tokens confirmed by the verifiers × the rate (0.001 GBT per token by default). Verifiers earn a fifth of that rate for the tokens they check.",
      "You get 75% of it; 25% goes to the network treasury. With reputation above 70% you get a 10% bonus on your share.",
      "A node that stays connected and ready also earns a small passive reward every 5 minutes, capped per wallet per day, so idle sockets cannot farm it.",
    ],
  },
  {
    q: "Confirmed, claimable: what is the difference?",
    a: [
      "Confirmed: validated rewards, recorded by the relayer. A task's reward appears only once it is verified: while a task is being checked nothing about it is shown anywhere, so nobody can watch your node's work in progress.",
      "Claimable: once per epoch the relayer publishes everyone's confirmed totals on-chain as one Merkle root. When that epoch is final, the Wallet page can claim it; the vault pays your cumulative total minus what you already claimed, always to your own wallet.",
    ],
  },
  {
    q: "How does reputation work?",
    a: [
      "Everyone starts at 100%. A correct result adds 2 points. A wrong result or a timeout costs 5 points and a strike; failing a hidden known-answer check costs 15 points and a strike. Reputation stays between 0% and 100%.",
      "A verifier whose failing report the dispute tier overturns is struck as wrong too; nobody is struck for honest rounding.",
      "3 strikes ban the node for 24 hours. Reputation weighs your report when you verify, and above 70% earns the bonus.",
      "Your reputation is also provable on-chain: the Reputation page can record the state proven in the latest final epoch, so other apps can read it.",
    ],
  },
  {
    q: "How are results checked?",
    a: [
      "Every task is fixed by model, input, length and seed, and decoded greedily. One node generates it and commits to its output (a signed hash) before revealing the tokens, so it cannot change its answer afterwards.",
      "Only then are verifiers drawn. Each re-scores the generated tokens with the same model and passes a token that is its own top choice or within a small tolerance of it: GPUs, kernels and engines round differently, so honest nodes do not produce identical tokens. The tolerance is calibrated per model from measured differences between engines, and only a few near-ties are allowed per answer.",
      "When verifiers holding at least 66% of the verifying weight pass it, the task is validated. A failing report goes to the dispute tier (reference verifiers run by the operator), which decides who was wrong: the generator, or the verifier that failed it.",
      "Some tasks are known-answer checks that look exactly like normal tasks, while they run and afterwards. New nodes generate but verify only once they have a record; trusted nodes are still checked at random.",
    ],
  },
  {
    q: "What about privacy and my computer?",
    a: [
      "The node uses the GPU only while this tab is open and only up to the daily limit you chose. Stop any time.",
      "Task inputs are anonymous prompts from the network; nothing from your computer is read or sent except the results. While a task runs only the nodes on it see it; afterwards the network keeps hashes, token counts and timings, not the prompt or the answer. Chat with the local model stays on your device.",
      "Your wallet signs in once per session (a signature, no transaction, no gas) and only sends the claims you click.",
    ],
  },
  {
    q: "What if my browser has no WebGPU?",
    a: [
      "Use a recent Chrome or Edge with hardware acceleration on. No suitable GPU? Run the headless GitBlock node on a GPU machine: it earns to the same wallet, and this dashboard shows it the same way.",
    ],
  },
];

/** The network's AI for users and programs: the free tier, premium models paid from credit, API keys, privacy. */
function NetworkAiSection() {
  const { runtime } = useApp();
  const baseUrl = `${runtime.relayer || window.location.origin}${GATEWAY_BASE_PATH}`;
  return (
    <Card title="Use the network's AI" className="network-ai">
      <p>
        <strong>Free.</strong> The local model runs in your browser (it needs WebGPU). The network's free models answer
        in any browser on the Chat page: without a wallet within a small daily allowance, signed in with your wallet
        within a larger one, shown there as you use it.
      </p>
      <p>
        <strong>Premium models</strong> cost a price in GBT per message, shown next to each model, paid from your GBT
        credit. Deposit on the Chat page: one permit signature and one transaction. Each message is debited at its
        price; once per epoch the spending settles on-chain, 75% to the rewards the nodes earn and 25% to the network
        treasury. Unspent credit can be withdrawn after a delay that lets the last messages settle. Bigger models unlock
        as the network grows.
      </p>
      <p>
        <strong>From your own programs.</strong> Create an API key on the Chat page (it is shown once) and use any
        OpenAI-compatible client with the base URL <code data-testid="guide-base-url">{baseUrl}</code> and the key as
        its API key. Streaming works; calls count against your wallet's allowance and credit.
      </p>
      <pre className="code">{`curl ${baseUrl}/chat/completions \\
  -H "Authorization: Bearer $GITBLOCK_API_KEY" -H "content-type: application/json" \\
  -d '{"model":"<model id>","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`}</pre>
      <p>
        <strong>Privacy.</strong> A request is seen by the node that answers it and, for a sample, by the nodes that
        verify the answer. Prompts and outputs are not stored after verification: the network keeps only hashes, token
        counts and timings. The local model keeps everything on your device.
      </p>
    </Card>
  );
}

export function GuidePage() {
  return (
    <div className="page guide">
      <Card title="GitBlock in one minute">
        <ol className="steps">
          <li>
            <strong>Connect</strong> your wallet. It is your node's identity and where GBT is paid.
          </li>
          <li>
            <strong>Switch the GPU node on</strong> (Mining). Your browser runs small AI tasks while the tab is open.
          </li>
          <li>
            <strong>Watch tokens arrive</strong> (Dashboard): rewards are confirmed as your results are verified.
          </li>
          <li>
            <strong>Claim</strong> (Wallet) once an epoch is final. The GBT lands in your wallet.
          </li>
        </ol>
        <button type="button" className="link" onClick={openOnboarding}>
          Walk through the onboarding again
        </button>
      </Card>
      <NetworkAiSection />
      <Card title="Questions">
        {FAQ.map((item) => (
          <details key={item.q} className="faq">
            <summary>{item.q}</summary>
            {item.a.map((p) => (
              <p key={p}>{p}</p>
            ))}
          </details>
        ))}
      </Card>
    </div>
  );
}
