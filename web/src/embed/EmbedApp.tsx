/**
 * The widget's page (web/embed.html, framed by widget.js on a publisher's site): it first checks that the page
 * embedding it is a verified domain of its placement (./origin-check.ts), then runs the app-level browser node with
 * a consent step of its own. Nothing runs before the visitor has consented, picked a wallet and pressed Start; Pause
 * and Withdraw are always there. The host page hears only status and this session's earnings (./host-messages.ts).
 */
import { useEffect, useRef, useState } from "react";
import { useAccount } from "wagmi";
import { useApp, useDeployment } from "../context.tsx";
import { readConsent, writeConsent } from "../lib/consent.ts";
import { formatBps, formatGbt, shortAddress } from "../lib/format.ts";
import { wasmModelsOf } from "../mining/models.ts";
import { useBrowserNode } from "../node-runtime/BrowserNodeProvider.tsx";
import { isActive, statusText, taskCount } from "../node-runtime/status-text.ts";
import { ConsentStep } from "../onboarding/ConsentStep.tsx";
import { WalletStep } from "../onboarding/WalletStep.tsx";
import { widgetEngine } from "./engine-choice.ts";
import { earningsMessage, postToHost, statusMessage, widgetStatus } from "./host-messages.ts";
import { checkEmbeddingOrigin, embeddingOrigin } from "./origin-check.ts";
import { fetchPlacement, type PublicPlacement } from "./placement-api.ts";
import { consentWithinPlacement } from "./placement-limits.ts";
import { storageInMemory } from "./storage-kind.ts";

type Check =
  | { state: "checking" }
  | { state: "refused"; reason: string }
  | { state: "ok"; placement: PublicPlacement; origin: string };

export function EmbedApp({ placementId }: { placementId: string }) {
  const { runtime } = useApp();
  const [check, setCheck] = useState<Check>({ state: "checking" });
  useEffect(() => {
    let live = true;
    fetchPlacement(runtime.relayer || window.location.origin, placementId)
      .then((placement) => {
        const verdict = checkEmbeddingOrigin(placement, embeddingOrigin(window.location, document.referrer));
        if (!live) return;
        setCheck(
          verdict.ok
            ? { state: "ok", placement, origin: verdict.origin }
            : { state: "refused", reason: verdict.reason },
        );
      })
      .catch((error: unknown) => live && setCheck({ state: "refused", reason: (error as Error).message }));
    return () => {
      live = false;
    };
  }, [runtime.relayer, placementId]);

  if (check.state === "checking") return <p className="muted">Checking this placement…</p>;
  if (check.state === "refused") {
    return (
      <div className="widget-refused" role="alert" data-testid="widget-refused">
        <strong>The GitBlock node does not run here.</strong> {check.reason}
      </div>
    );
  }
  return <WidgetNode placement={check.placement} origin={check.origin} />;
}

type Stage = "consent" | "wallet" | "run";

function WidgetNode({ placement, origin }: { placement: PublicPlacement; origin: string }) {
  const { runtime } = useApp();
  const deployment = useDeployment();
  const { address } = useAccount();
  const node = useBrowserNode();
  const [stage, setStage] = useState<Stage>("consent");
  const [note, setNote] = useState<string | null>(null);
  const [hiddenPause, setHiddenPause] = useState(false);
  const local = deployment?.local === true;
  const consented = stage === "run";
  const host = window.parent === window ? null : window.parent;

  const status = widgetStatus(consented, node.status);
  useEffect(() => {
    postToHost(host, origin, statusMessage(placement.id, status));
  }, [host, origin, placement.id, status]);
  useEffect(() => {
    if (!consented) return;
    postToHost(host, origin, earningsMessage(placement.id, node.earnedWei, node.tasksCompleted));
  }, [host, origin, placement.id, consented, node.earnedWei, node.tasksCompleted]);

  const start = () => {
    setNote(null);
    setHiddenPause(false);
    const engine = widgetEngine({
      local,
      consent: readConsent(),
      webGpu: Boolean((navigator as Navigator & { gpu?: unknown }).gpu),
      wasmModel: wasmModelsOf(runtime)[0],
      placementCpuThreads: placement.limits.cpuThreads,
    });
    if ("error" in engine) {
      setNote(engine.error);
      return;
    }
    node.start({ engine, placement: placement.id }).catch((error: unknown) => setNote((error as Error).message));
  };
  const withdraw = () => {
    writeConsent(null);
    void node.stop();
    setStage("consent");
  };

  // The placement's "stop when the tab is hidden": pause on hide, go on when the visitor comes back. The listener
  // reads the latest node and start through refs, so it is added once per placement.
  const latest = useRef({ node, start });
  latest.current = { node, start };
  const stopWhenHidden = placement.limits.stopWhenHidden;
  useEffect(() => {
    if (!stopWhenHidden) return;
    let pausedByHiding = false;
    const onVisibility = () => {
      const { node: current, start: resume } = latest.current;
      if (document.hidden && isActive(current.status)) {
        pausedByHiding = true;
        void current.stop().then(() => setHiddenPause(true));
      } else if (!document.hidden && pausedByHiding) {
        pausedByHiding = false;
        resume();
      }
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, [stopWhenHidden]);

  const active = isActive(node.status);
  const share = formatBps(placement.publisherShareBps);
  return (
    <div className="widget" data-testid="widget">
      <header className="widget-header">
        <strong>GitBlock</strong> on {placement.domain}
      </header>
      {stage === "consent" && (
        <>
          <p data-testid="widget-intro">
            {placement.domain} invites you to run a GitBlock node in this tab: your browser does AI tasks and you earn
            GBT for them; {placement.domain} receives {share} of your node's reward. Nothing runs until you say so, and
            you can pause or withdraw at any time.
          </p>
          {local && (
            <p className="muted small">Local network: the node runs the simulation (no model, no GPU or CPU work).</p>
          )}
          <ConsentStep
            onNext={() => {
              const consent = readConsent();
              if (!consent && !local) {
                setNote("You allowed neither the GPU nor the CPU, so nothing runs.");
                return;
              }
              if (consent) {
                const bounded = consentWithinPlacement(consent, placement.limits.gpuSecondsPerVisitorPerDay);
                if (bounded !== consent) writeConsent(bounded);
              }
              setNote(null);
              setStage("wallet");
            }}
          />
        </>
      )}
      {stage === "wallet" && (
        <WalletStep
          onNext={() => setStage("run")}
          createUnavailable={
            storageInMemory() && (
              <>
                Your browser keeps nothing for this embedded frame, so a wallet created here would be lost, with its
                earnings, when you leave the page. Connect a wallet you have, or{" "}
                <a href={`${window.location.origin}/`} target="_blank" rel="noopener noreferrer">
                  create one on GitBlock
                </a>{" "}
                (its own tab, where your browser keeps it) and connect it here.
              </>
            )
          }
        />
      )}
      {stage === "run" && (
        <div className="widget-run">
          <p data-testid="widget-status">
            {statusText(node.status)}
            {hiddenPause && !active ? " (paused while the tab is hidden)" : ""}
          </p>
          <p>
            This session: <strong data-testid="widget-earned">{formatGbt(node.earnedWei)} GBT</strong> ·{" "}
            {taskCount(node.tasksCompleted)} · wallet <code>{shortAddress(address)}</code>
          </p>
          {node.error && <p className="error">{node.error}</p>}
          <div className="actions">
            {active ? (
              <button type="button" onClick={() => void node.stop()} data-testid="widget-pause">
                Pause
              </button>
            ) : (
              <button type="button" className="primary" onClick={start} disabled={!address} data-testid="widget-start">
                Start
              </button>
            )}
            <button type="button" onClick={withdraw} data-testid="widget-withdraw">
              Withdraw consent
            </button>
          </div>
        </div>
      )}
      {note && (
        <p className="error" role="alert">
          {note}
        </p>
      )}
    </div>
  );
}
