/**
 * Wallet: connect an existing one through RainbowKit, or create one in this browser (wallet-genesis). Where this
 * browser would not keep a created wallet, `createUnavailable` says why in place of the create button.
 */
import { useConnectModal } from "@rainbow-me/rainbowkit";
import { type ReactNode, useState } from "react";
import { useAccount } from "wagmi";
import { shortAddress } from "../lib/format.ts";
import { BrowserWalletPanel } from "../wallet-genesis/BrowserWalletPanel.tsx";
import { CreateWallet } from "../wallet-genesis/CreateWallet.tsx";
import { useBrowserWallet } from "../wallet-genesis/use-browser-wallet.ts";

export function WalletStep({ onNext, createUnavailable }: { onNext: () => void; createUnavailable?: ReactNode }) {
  const { address } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { record, account } = useBrowserWallet();
  const [creating, setCreating] = useState(false);

  if (creating) return <CreateWallet onReady={onNext} />;
  return (
    <div data-testid="onboarding-wallet">
      <h2>Your wallet</h2>
      {address ? (
        <p>
          Connected: <code title={address}>{shortAddress(address)}</code>.
        </p>
      ) : (
        <p>Rewards are paid to a wallet you control. Use the one you have, or create one here.</p>
      )}
      {record && !account && <BrowserWalletPanel />}
      {!address && !record && createUnavailable && (
        <p className="muted small" data-testid="wallet-create-unavailable">
          {createUnavailable}
        </p>
      )}
      <div className="actions">
        {!address && (
          <button type="button" onClick={() => openConnectModal?.()}>
            Connect a wallet
          </button>
        )}
        {!address && !record && !createUnavailable && (
          <button type="button" onClick={() => setCreating(true)}>
            Create a wallet in this browser
          </button>
        )}
        <button type="button" className="primary" disabled={!address} onClick={onNext}>
          Continue
        </button>
      </div>
    </div>
  );
}
