/**
 * Placements: create one on a verified domain (page id, placement id, path prefix, resource limits, the publisher's
 * share of the node reward, at most 30%), and each one's snippet with a copy button and its active sessions now.
 */
import { useState } from "react";
import { Card, Empty } from "../components/ui.tsx";
import { formatBps } from "../lib/format.ts";
import { MAX_PUBLISHER_SHARE_BPS, type Placement, type PublisherApi, type PublisherDomain } from "./publisher-api.ts";
import { iframeSnippet, widgetSnippet } from "./snippet.ts";

export function PlacementsCard({
  api,
  domains,
  placements,
  activeSessions,
  onChange,
}: {
  api: PublisherApi;
  domains: PublisherDomain[];
  placements: Placement[];
  activeSessions: Record<string, number>;
  onChange: () => void;
}) {
  const verified = domains.filter((d) => d.status === "verified").map((d) => d.domain);
  const [form, setForm] = useState({
    pageId: "home",
    placementId: "sidebar",
    domain: "",
    pathPrefix: "/",
    gpuMinutes: 30,
    cpuThreads: 2,
    stopWhenHidden: true,
    sharePercent: 20,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const domain = form.domain || verified[0] || "";
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));

  const create = () => {
    setBusy(true);
    setError(null);
    api
      .createPlacement({
        pageId: form.pageId.trim(),
        placementId: form.placementId.trim(),
        domain,
        pathPrefix: form.pathPrefix.trim() || "/",
        limits: {
          gpuSecondsPerVisitorPerDay: Math.max(1, Math.round(form.gpuMinutes * 60)),
          cpuThreads: Math.max(1, Math.round(form.cpuThreads)),
          stopWhenHidden: form.stopWhenHidden,
        },
        publisherShareBps: Math.min(MAX_PUBLISHER_SHARE_BPS, Math.max(0, Math.round(form.sharePercent * 100))),
      })
      .then(onChange)
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  };

  return (
    <Card title="Placements">
      {verified.length === 0 ? (
        <Empty>Verify a domain first: placements live on verified domains.</Empty>
      ) : (
        <form
          className="placement-form"
          aria-label="New placement"
          onSubmit={(e) => {
            e.preventDefault();
            create();
          }}
        >
          <label>
            Domain{" "}
            <select value={domain} onChange={(e) => set({ domain: e.target.value })} aria-label="Placement domain">
              {verified.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </label>
          <label>
            Page id <input value={form.pageId} onChange={(e) => set({ pageId: e.target.value })} required />
          </label>
          <label>
            Placement id{" "}
            <input value={form.placementId} onChange={(e) => set({ placementId: e.target.value })} required />
          </label>
          <label>
            Path prefix <input value={form.pathPrefix} onChange={(e) => set({ pathPrefix: e.target.value })} />
          </label>
          <label>
            Inference minutes per visitor per day{" "}
            <input
              type="number"
              min={1}
              value={form.gpuMinutes}
              onChange={(e) => set({ gpuMinutes: Number(e.target.value) })}
            />
          </label>
          <label>
            CPU threads{" "}
            <input
              type="number"
              min={1}
              value={form.cpuThreads}
              onChange={(e) => set({ cpuThreads: Number(e.target.value) })}
            />
          </label>
          <label>
            <input
              type="checkbox"
              checked={form.stopWhenHidden}
              onChange={(e) => set({ stopWhenHidden: e.target.checked })}
            />{" "}
            Stop when the tab is hidden
          </label>
          <label>
            Your share of the node's reward (%, at most {MAX_PUBLISHER_SHARE_BPS / 100}){" "}
            <input
              type="number"
              min={0}
              max={MAX_PUBLISHER_SHARE_BPS / 100}
              value={form.sharePercent}
              onChange={(e) => set({ sharePercent: Number(e.target.value) })}
              aria-label="Publisher share in percent"
            />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            Create placement
          </button>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {placements.length > 0 && (
        <ul className="publisher-list" aria-label="Your placements">
          {placements.map((p) => (
            <PlacementRow key={p.id} placement={p} sessions={activeSessions[p.id] ?? 0} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function PlacementRow({ placement, sessions }: { placement: Placement; sessions: number }) {
  const origin = window.location.origin;
  const snippet = widgetSnippet(origin, placement.id);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (text: string, what: string) => {
    navigator.clipboard
      .writeText(text)
      .then(() => setCopied(what))
      .catch(() => setCopied("copy failed: select the text and copy it"));
  };
  return (
    <li data-testid={`placement-${placement.id}`}>
      <strong>
        {placement.pageId} / {placement.placementId}
      </strong>{" "}
      on {placement.domain}
      {placement.pathPrefix} · your share {formatBps(placement.publisherShareBps)} ·{" "}
      <span data-testid="active-sessions">
        {sessions} active {sessions === 1 ? "session" : "sessions"}
      </span>
      {placement.active === false && <span className="error small"> · paused: its domain is not verified</span>}
      <pre className="snippet" data-testid="snippet">
        {snippet}
      </pre>
      <div className="actions">
        <button type="button" onClick={() => copy(snippet, "script tag copied")}>
          Copy snippet
        </button>
        <button type="button" onClick={() => copy(iframeSnippet(origin, placement.id), "iframe copied")}>
          Copy the iframe alone
        </button>
        {copied && <span className="muted small">{copied}</span>}
      </div>
    </li>
  );
}
