import { formatPrice, type GatewayModel } from "../../lib/catalogue.ts";
import { formatBytes, formatCount } from "../../lib/format.ts";
import { type LocalModel, localDownloadBytes } from "../../mining/local-chat.ts";

/** `local` or a network model's id. */
export type ModelChoice = "local" | string;

/**
 * The free local model first, then every network model open now with its price and the nodes serving it; one that no
 * node serves right now shows but cannot be picked.
 */
export function ModelPicker({
  local,
  network,
  value,
  onChange,
  disabled,
  catalogueState,
}: {
  /** The local model this browser runs (null while WebGPU is being probed). */
  local: LocalModel | null;
  network: GatewayModel[];
  value: ModelChoice;
  onChange(choice: ModelChoice): void;
  disabled: boolean;
  /** How the network's catalogue loaded. */
  catalogueState: "loading" | "ready" | "error";
}) {
  return (
    <fieldset className="model-picker" disabled={disabled}>
      <legend className="sr-only">Model</legend>
      <label className={`model-option ${value === "local" ? "chosen" : ""}`}>
        <input type="radio" name="chat-model" checked={value === "local"} onChange={() => onChange("local")} />
        <span className="model-name">{local?.model.label ?? "Local model"}</span>
        <span className="model-meta" data-testid="local-model-meta">
          <span className="tag tag-validated">free</span> runs in your browser
          {local &&
            ` · ${local.engine === "webgpu" ? "on WebGPU" : "on your CPU (WebAssembly)"} · ${formatBytes(localDownloadBytes(local))} download`}
        </span>
      </label>
      {network.map((m) => (
        <label
          key={m.id}
          className={`model-option ${value === m.id ? "chosen" : ""} ${m.nodes === 0 ? "offline" : ""}`}
          data-testid={`model-${m.id}`}
        >
          <input
            type="radio"
            name="chat-model"
            checked={value === m.id}
            disabled={m.nodes === 0}
            onChange={() => onChange(m.id)}
          />
          <span className="model-name">{m.label}</span>
          <span className="model-meta">
            <span className={`tag ${m.free ? "tag-validated" : "tag-open"}`}>{formatPrice(m.priceWei)}</span>{" "}
            <span data-testid={`model-nodes-${m.id}`}>
              {m.nodes === 0 ? "no node serving now" : `${formatCount(m.nodes)} ${m.nodes === 1 ? "node" : "nodes"}`}
            </span>
            {m.contextLength ? ` · ${formatCount(m.contextLength)} tokens context` : ""}
          </span>
        </label>
      ))}
      {catalogueState === "loading" && <p className="muted small">Loading the network's models…</p>}
      {catalogueState === "error" && (
        <p className="muted small">The network's models are not available from this relayer right now.</p>
      )}
      {catalogueState === "ready" && network.length === 0 && (
        <p className="muted small">No network model is open yet: they unlock as the network grows.</p>
      )}
    </fieldset>
  );
}
