/**
 * The created wallet after genesis: unlock after a reload (passkey or password), export the phrase or private key
 * (after unlocking again), lock, and delete (with a confirmation that says what is lost).
 */
import { useState } from "react";
import type { Hex } from "viem";
import { shortAddress } from "../lib/format.ts";
import { browserWallet } from "./browser-wallet.ts";
import { useAsyncAction } from "./use-async-action.ts";
import { useBrowserWallet, useConnectBrowserWallet } from "./use-browser-wallet.ts";

function SecretInput({
  kind,
  value,
  onChange,
  label,
}: {
  kind: "password" | "passkey";
  value: string;
  onChange: (v: string) => void;
  label: string;
}) {
  if (kind === "passkey") return null;
  return (
    <input
      type="password"
      autoComplete="current-password"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-label={label}
      placeholder="password"
    />
  );
}

export function BrowserWalletPanel() {
  const { record, account } = useBrowserWallet();
  const connect = useConnectBrowserWallet();
  const action = useAsyncAction();
  const [password, setPassword] = useState("");
  const [exported, setExported] = useState<{ mnemonic: string; privateKey: Hex } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (!record) return null;
  const kind = record.protection.kind;

  return (
    <div className="browser-wallet" data-testid="browser-wallet-panel">
      <p>
        Browser wallet <code title={record.address}>{shortAddress(record.address)}</code>{" "}
        <span className="tag">{account ? "unlocked" : "locked"}</span> · protected by{" "}
        {kind === "passkey" ? "a passkey" : "a password"}
        {!record.backupConfirmed && <strong> · backup not confirmed</strong>}
      </p>
      {!account ? (
        <form
          aria-label="Unlock the browser wallet"
          onSubmit={(e) => {
            e.preventDefault();
            action.run(async () => {
              await browserWallet.unlock(password);
              setPassword("");
              await connect();
            });
          }}
        >
          <SecretInput kind={kind} value={password} onChange={setPassword} label="Wallet password" />
          <button type="submit" className="primary" disabled={action.running}>
            {action.running ? "Unlocking…" : kind === "passkey" ? "Unlock with passkey" : "Unlock"}
          </button>
        </form>
      ) : (
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              // Locking empties the provider's accounts, which disconnects wagmi from this wallet only.
              browserWallet.lock();
              setExported(null);
            }}
          >
            Lock
          </button>
        </div>
      )}

      <details>
        <summary>Export or delete</summary>
        <form
          aria-label="Export the browser wallet"
          onSubmit={(e) => {
            e.preventDefault();
            action.run(async () => {
              setExported(await browserWallet.exportSecrets(password));
              setPassword("");
            });
          }}
        >
          <SecretInput kind={kind} value={password} onChange={setPassword} label="Password to export" />
          <button type="submit" disabled={action.running}>
            Export phrase and private key
          </button>
        </form>
        {exported && (
          <div className="exported" data-testid="exported-secrets">
            <p className="small">Anyone with these controls the wallet. Keep them offline.</p>
            <p>
              Phrase: <code data-testid="exported-phrase">{exported.mnemonic}</code>
            </p>
            <p>
              Private key: <code data-testid="exported-key">{exported.privateKey}</code>
            </p>
          </div>
        )}
        {!confirmDelete ? (
          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
            Delete this wallet
          </button>
        ) : (
          <div role="alert">
            <p>Delete the wallet from this browser? Without its backup phrase, its GBT and ETH are lost for good.</p>
            <div className="actions">
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  browserWallet.delete();
                  setConfirmDelete(false);
                  setExported(null);
                }}
              >
                Yes, delete it
              </button>
            </div>
          </div>
        )}
      </details>
      {action.error && (
        <p className="error" role="alert">
          {action.error}
        </p>
      )}
    </div>
  );
}
