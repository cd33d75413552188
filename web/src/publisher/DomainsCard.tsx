/** Domains: add one (the relayer issues the TXT record to publish), verify it, and see each one's status. */
import { useState } from "react";
import { Card, Empty } from "../components/ui.tsx";
import type { PublisherApi, PublisherDomain } from "./publisher-api.ts";

const STATUS_TEXT: Record<PublisherDomain["status"], string> = {
  pending: "waiting for its TXT record",
  verified: "verified",
  failed: "not verified",
  revoked: "revoked: its TXT record is gone, its placements earn nothing",
};

export function DomainsCard({
  api,
  domains,
  onChange,
}: {
  api: PublisherApi;
  domains: PublisherDomain[];
  onChange: () => void;
}) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reasons, setReasons] = useState<Record<string, string>>({});

  const act = (run: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    run()
      .then(onChange)
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  };
  const add = () => act(() => api.addDomain(name.trim().toLowerCase()).then(() => setName("")));
  const verify = (domain: string) =>
    act(async () => {
      const result = await api.verifyDomain(domain);
      setReasons((r) => ({
        ...r,
        [domain]: result.status === "verified" ? "" : (result.reason ?? "no TXT record found"),
      }));
    });

  return (
    <Card title="Domains">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <input
          aria-label="Domain"
          placeholder="example.com"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <button type="submit" disabled={busy || !name.trim()}>
          Add domain
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {domains.length === 0 ? (
        <Empty>No domains yet: add the site you will embed the widget on.</Empty>
      ) : (
        <ul className="publisher-list" aria-label="Your domains">
          {domains.map((d) => (
            <li key={d.domain} data-testid={`domain-${d.domain}`}>
              <strong>{d.domain}</strong> · <span data-testid="domain-status">{STATUS_TEXT[d.status]}</span>
              {d.status !== "verified" && (
                <>
                  <p className="small">
                    Add this DNS TXT record at <code>{d.names[0]}</code> or <code>{d.names[1]}</code>:
                  </p>
                  <pre className="snippet" data-testid="txt-record">
                    {d.record}
                  </pre>
                  <button type="button" disabled={busy} onClick={() => verify(d.domain)}>
                    Verify
                  </button>
                  {reasons[d.domain] && <p className="error small">{reasons[d.domain]}</p>}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
