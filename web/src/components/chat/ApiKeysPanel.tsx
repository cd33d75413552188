import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { gatewayKeys, useApiKeys, useGatewayApi } from "../../hooks/gateway.ts";
import { formatAgo } from "../../lib/format.ts";
import type { CreatedApiKey } from "../../lib/gateway-api.ts";
import { GatewayError } from "../../lib/gateway-errors.ts";
import type { WalletSession } from "../../lib/wallet-session.ts";
import { Card, Empty } from "../ui.tsx";

/**
 * API keys for programs that call the OpenAI-compatible gateway for this wallet (its free tier and its credit):
 * create (the key is shown once, with a copy button), list with last use, revoke. Managed with the wallet session.
 */
export function ApiKeysPanel({
  session,
  baseUrl,
  onSignIn,
  signingIn,
  onUnauthorized,
}: {
  session: WalletSession | null;
  /** The gateway's base URL for OpenAI clients. */
  baseUrl: string;
  onSignIn?: () => void;
  signingIn: boolean;
  onUnauthorized(): void;
}) {
  const api = useGatewayApi();
  const queryClient = useQueryClient();
  const keys = useApiKeys(session);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: gatewayKeys.keys(session?.account) });
  const onError = (error: Error) => {
    if (error instanceof GatewayError && error.kind === "sign-in") onUnauthorized();
  };
  const create = useMutation({
    mutationFn: (keyName: string) => {
      if (!session) throw new Error("sign in first");
      return api.createKey(session.token, keyName);
    },
    onSuccess: (key) => {
      setCreated(key);
      setCopied(false);
      setName("");
      void refresh();
    },
    onError,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => {
      if (!session) throw new Error("sign in first");
      return api.revokeKey(session.token, id);
    },
    onSuccess: (_result, id) => {
      setConfirming(null);
      if (created?.id === id) setCreated(null);
      void refresh();
    },
    onError,
  });
  const failure = (create.error ?? revoke.error ?? keys.error ?? null) as Error | null;
  const now = Date.now();

  return (
    <Card title="API keys" className="api-keys">
      <p className="muted small">
        Call the network from your own programs with any OpenAI client: base URL <code>{baseUrl}</code>, an API key
        below as the key. Calls count against this wallet's free tier; premium models are paid from its credit.
      </p>
      {!session ? (
        <div className="actions">
          <button type="button" onClick={onSignIn} disabled={!onSignIn || signingIn} data-testid="keys-sign-in">
            {signingIn ? "Waiting for your wallet…" : "Sign in to manage API keys"}
          </button>
          {!onSignIn && <span className="muted small">Connect your wallet first.</span>}
        </div>
      ) : (
        <>
          <form
            className="composer"
            aria-label="Create an API key"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim()) create.mutate(name.trim());
            }}
          >
            <label className="sr-only" htmlFor="api-key-name">
              Key name
            </label>
            <input
              id="api-key-name"
              value={name}
              maxLength={64}
              onChange={(e) => setName(e.target.value)}
              placeholder="Name, e.g. my-script"
            />
            <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>
              Create key
            </button>
          </form>
          {created && (
            <div className="banner api-key-secret" role="status" data-testid="api-key-created">
              <p>
                <strong>{created.name}</strong>: copy the key now. It is shown once and cannot be shown again.
              </p>
              <div className="secret">
                <code data-testid="api-key-value">{created.key}</code>
                <button
                  type="button"
                  onClick={() =>
                    navigator.clipboard
                      ?.writeText(created.key)
                      .then(() => setCopied(true))
                      .catch(() => setCopied(false))
                  }
                >
                  {copied ? "Copied" : "Copy"}
                </button>
                <button type="button" onClick={() => setCreated(null)}>
                  Done
                </button>
              </div>
            </div>
          )}
          {keys.data && keys.data.length > 0 ? (
            <div className="table-wrap">
              <table className="table" aria-label="API keys">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Key</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>
                      <span className="sr-only">Revoke</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.map((k) => (
                    <tr key={k.id}>
                      <td>{k.name}</td>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{formatAgo(k.createdAt, now)}</td>
                      <td>{k.lastUsedAt ? formatAgo(k.lastUsedAt, now) : "never"}</td>
                      <td>
                        {confirming === k.id ? (
                          <span className="confirm">
                            <button
                              type="button"
                              className="danger"
                              disabled={revoke.isPending}
                              onClick={() => revoke.mutate(k.id)}
                            >
                              Revoke {k.name}
                            </button>{" "}
                            <button type="button" onClick={() => setConfirming(null)}>
                              Keep
                            </button>
                          </span>
                        ) : (
                          <button type="button" onClick={() => setConfirming(k.id)} aria-label={`Revoke ${k.name}…`}>
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            keys.isSuccess && <Empty>No API keys yet.</Empty>
          )}
        </>
      )}
      {failure && !(failure instanceof GatewayError && failure.kind === "sign-in") && (
        <p className="banner bad" role="alert">
          {failure.message}
        </p>
      )}
    </Card>
  );
}
