import { useRef, useState } from "react";
import { useAccount } from "wagmi";
import { ApiKeysPanel } from "../components/chat/ApiKeysPanel.tsx";
import { Conversation } from "../components/chat/Conversation.tsx";
import { CreditsCard } from "../components/chat/CreditsCard.tsx";
import { LockedTiers } from "../components/chat/LockedTiers.tsx";
import { type ModelChoice, ModelPicker } from "../components/chat/ModelPicker.tsx";
import { ProblemBanner } from "../components/chat/ProblemBanner.tsx";
import { UsageToday } from "../components/chat/UsageToday.tsx";
import { Card, ProgressBar } from "../components/ui.tsx";
import { useApp } from "../context.tsx";
import { useChat } from "../hooks/chat.ts";
import { useCatalogue, useUsage } from "../hooks/gateway.ts";
import { errorReason } from "../hooks/tx.ts";
import { useWalletSession } from "../hooks/wallet-session.ts";
import { useWebGpu } from "../hooks/webgpu.ts";
import { type GatewayModel, lockedTiers, openModels } from "../lib/catalogue.ts";
import { GATEWAY_BASE_PATH } from "../lib/chat-completions.ts";
import { formatBytes } from "../lib/format.ts";
import { GatewayError } from "../lib/gateway-errors.ts";
import { type LocalModel, localDownloadBytes } from "../mining/local-chat.ts";
import { DEFAULT_MODEL, type WasmModel, wasmModelsOf } from "../mining/models.ts";

/**
 * Chat with the free local model or with the network's models (any browser), streamed as it is generated. The local
 * model runs on WebGPU (web-llm) where the browser has it, else on the CPU (llama.cpp in WebAssembly, a smaller
 * model): every browser can chat for free without anything leaving the device. A connected wallet signs in once
 * for network models, so its free tier and credit apply; without a wallet, free network models answer anonymously
 * (a small allowance per address). The API keys panel lives here too: it is the same gateway, the same wallet session.
 */
export function ChatPage() {
  const { runtime } = useApp();
  const { address } = useAccount();
  const gpu = useWebGpu();
  const catalogue = useCatalogue();
  const wallet = useWalletSession();
  const usage = useUsage(wallet.session);
  const amountRef = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<ModelChoice | null>(null);

  const open = catalogue.data ? openModels(catalogue.data) : [];
  const serving = open.find((m) => m.nodes > 0);
  const local: LocalModel | null =
    gpu === null
      ? null
      : gpu.ok
        ? { engine: "webgpu", model: DEFAULT_MODEL }
        : { engine: "wasm", model: wasmModelsOf(runtime)[0] as WasmModel };
  // Until the user picks: the local model where WebGPU runs it, else a serving network model (faster than the CPU).
  const choice: ModelChoice = picked ?? (gpu?.ok || !serving ? "local" : serving.id);
  const networkModel = choice === "local" ? null : (open.find((m) => m.id === choice) ?? null);

  const token = async (model: GatewayModel): Promise<string | null> => {
    if (wallet.session) return wallet.session.token;
    if (!address) {
      if (model.free) return null;
      throw new GatewayError("sign-in", "connect your wallet: premium models are paid from its GBT credit");
    }
    try {
      return (await wallet.signIn()).token;
    } catch (error) {
      throw new GatewayError("sign-in", `the wallet did not sign in (${errorReason(error)})`);
    }
  };
  const chat = useChat({ base: runtime.relayer, token, onUnauthorized: wallet.expire });

  const canSend = choice === "local" ? local !== null : Boolean(networkModel);
  const label = choice === "local" ? (local?.model.label ?? "Local model") : (networkModel?.label ?? choice);
  const placeholder =
    choice === "local" && !local
      ? "Checking what this browser can run…"
      : !canSend && choice !== "local"
        ? "This model is not offered now: pick another"
        : `Message ${label}`;
  const baseUrl = `${runtime.relayer || window.location.origin}${GATEWAY_BASE_PATH}`;
  const signIn = address ? () => void wallet.signIn().catch(() => {}) : undefined;

  return (
    <div className="page chat">
      <div className="grid two wide-left">
        <Card title="Chat" actions={<span className="tag">{label}</span>}>
          <ModelPicker
            local={local}
            network={open}
            value={choice}
            onChange={setPicked}
            disabled={chat.busy}
            catalogueState={catalogue.data ? "ready" : catalogue.isError ? "error" : "loading"}
          />
          <p className="muted small" data-testid="chat-privacy">
            {choice === "local"
              ? `Private: your messages never leave this device. The first message downloads the model (${local ? formatBytes(localDownloadBytes(local)) : "…"}, cached afterwards)${local?.engine === "wasm" ? "; without WebGPU it runs on your CPU, more slowly." : "."}`
              : "Answered by a node of the network. Prompts and answers are not stored after verification: the network keeps only hashes, token counts and timings."}
            {choice !== "local" &&
              address &&
              !wallet.session &&
              " Your first message signs you in with your wallet (a signature, no gas)."}
          </p>
          <Conversation
            messages={chat.messages}
            busy={chat.busy}
            canSend={canSend}
            placeholder={placeholder}
            onSend={(text) => {
              if (choice === "local" && local) void chat.send(text, { kind: "local", local });
              else if (networkModel) void chat.send(text, { kind: "network", model: networkModel });
            }}
            onStop={chat.stop}
          />
          {chat.loading && <ProgressBar value={chat.loading.value} label="Model download" />}
          {wallet.signingIn && <p className="muted small">Sign in with your wallet to send (a signature, no gas)…</p>}
          {chat.problem && (
            <ProblemBanner
              problem={chat.problem}
              signedIn={Boolean(wallet.session)}
              onDismiss={chat.dismissProblem}
              onSignIn={signIn}
              onDeposit={() => {
                amountRef.current?.scrollIntoView({ block: "center" });
                amountRef.current?.focus();
              }}
            />
          )}
        </Card>
        <div className="stack">
          <CreditsCard address={address} model={networkModel} amountRef={amountRef} />
          <Card title="Your usage today">
            {usage.data ? (
              <UsageToday usage={usage.data} />
            ) : (
              <p className="muted small">
                {wallet.session
                  ? "Loading…"
                  : "Sign in with your wallet to see today's requests and tokens against your free allowance."}
              </p>
            )}
          </Card>
          <LockedTiers
            tiers={catalogue.data ? lockedTiers(catalogue.data) : []}
            activeNodes={catalogue.data?.activeNodes ?? 0}
          />
        </div>
      </div>
      <ApiKeysPanel
        session={wallet.session}
        baseUrl={baseUrl}
        signingIn={wallet.signingIn}
        onUnauthorized={wallet.expire}
        onSignIn={signIn}
      />
    </div>
  );
}
