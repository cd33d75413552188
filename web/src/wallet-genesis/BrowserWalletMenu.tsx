/**
 * The wallet menu in the top bar: the created wallet's panel (unlock, export, delete) and the way back into
 * onboarding. Shown as "Unlock wallet" while a created wallet is locked, so a reload never hides it.
 */
import { useState } from "react";
import { openOnboarding } from "../onboarding/onboarding-state.ts";
import { BrowserWalletPanel } from "./BrowserWalletPanel.tsx";
import { useBrowserWallet } from "./use-browser-wallet.ts";
import "./wallet-genesis.css";

export function BrowserWalletMenu() {
  const { record, account } = useBrowserWallet();
  const [open, setOpen] = useState(false);
  return (
    <div className="wallet-menu">
      <button
        type="button"
        className={record && !account ? "primary" : undefined}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="wallet-menu"
      >
        {record ? (account ? "Browser wallet" : "Unlock wallet") : "Get started"}
      </button>
      {open && (
        <div className="wallet-menu-panel" role="dialog" aria-label="Browser wallet">
          <BrowserWalletPanel />
          <button
            type="button"
            className="link"
            onClick={() => {
              setOpen(false);
              openOnboarding();
            }}
          >
            Open the onboarding again
          </button>
        </div>
      )}
    </div>
  );
}
