import { type RefObject, useState } from "react";
import type { Address } from "viem";
import { useDeployment } from "../../context.tsx";
import { useOnChain } from "../../hooks/data.ts";
import { useDeposit } from "../../hooks/deposit.ts";
import { useCredits } from "../../hooks/gateway.ts";
import { formatPrice, type GatewayModel, messagesAffordable } from "../../lib/catalogue.ts";
import { txLink } from "../../lib/config.ts";
import { formatCount, formatGbt, parseGbt } from "../../lib/format.ts";
import { Card, Stat, TxStatus } from "../ui.tsx";

/**
 * The wallet's prepaid GBT credit for premium models, and the deposit: amount → permit signature → one
 * `depositWithPermit` transaction → the credit read again.
 */
export function CreditsCard({
  address,
  model,
  amountRef,
}: {
  address: Address | undefined;
  /** The picked network model: its price tells how many messages the credit pays for. */
  model: GatewayModel | null;
  /** The amount field, for "Deposit GBT" elsewhere on the page to focus. */
  amountRef?: RefObject<HTMLInputElement | null>;
}) {
  const deployment = useDeployment();
  const credits = useCredits(address);
  const chain = useOnChain(address);
  const deposit = useDeposit(address);
  const [amount, setAmount] = useState("");
  if (!address) {
    return (
      <Card title="Credit">
        <p className="muted small">
          Premium models are paid per message from GBT credit. Connect your wallet to see your credit and add to it.
        </p>
      </Card>
    );
  }
  const available = credits.data?.availableWei ?? 0n;
  const premium = model && !model.free ? model : null;
  const affordable = premium ? messagesAffordable(available, premium.priceWei) : null;
  const value = parseGbt(amount);
  const tooMuch = value !== null && chain.balance !== undefined && value > chain.balance;
  const working =
    deposit.permit === "signing" || deposit.tx.state.kind === "wallet" || deposit.tx.state.kind === "pending";
  return (
    <Card title="Credit">
      <div className="grid two compact">
        <Stat
          label="Available credit"
          testId="credit-available"
          value={credits.data ? `${formatGbt(available)} GBT` : credits.isError ? "—" : "…"}
          hint={
            premium && affordable !== null
              ? `${formatCount(affordable)} messages of ${premium.label} (${formatPrice(premium.priceWei)})`
              : "paid per message to premium models"
          }
        />
        <Stat
          label="In your wallet"
          testId="credit-wallet-balance"
          value={`${chain.balance !== undefined ? formatGbt(chain.balance) : "…"} GBT`}
          hint="what you can deposit"
        />
      </div>
      {credits.data && credits.data.pendingWithdrawalWei > 0n && (
        <p className="muted small">
          {formatGbt(credits.data.pendingWithdrawalWei)} GBT asked back (not spent on messages); withdrawable from{" "}
          {new Date(credits.data.unlockAt * 1000).toLocaleString()}.
        </p>
      )}
      {credits.isError && <p className="muted small">The relayer could not report your credit right now.</p>}
      {deposit.available ? (
        <form
          className="deposit"
          aria-label="Deposit GBT"
          onSubmit={async (e) => {
            e.preventDefault();
            if (value === null || tooMuch || working) return;
            if (await deposit.deposit(value)) setAmount("");
          }}
        >
          <label className="field">
            Deposit (GBT)
            <input
              ref={amountRef}
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              placeholder="e.g. 10"
              aria-invalid={amount !== "" && (value === null || tooMuch)}
              data-testid="deposit-amount"
            />
          </label>
          <button
            type="submit"
            className="primary"
            data-testid="deposit-button"
            disabled={value === null || tooMuch || working}
          >
            {working ? "Depositing…" : "Deposit"}
          </button>
          {tooMuch && <span className="muted small">More than your wallet holds.</span>}
          {deposit.permit === "signing" && (
            <output className="tx tx-pending" data-testid="deposit-status">
              Sign the permit in your wallet (a signature, no gas)…
            </output>
          )}
          {deposit.permit === "failed" && (
            <output className="tx tx-failed" data-testid="deposit-status">
              Permit not signed: {deposit.permitError}
            </output>
          )}
          {deposit.permit === "idle" && (
            <TxStatus state={deposit.tx.state} link={(hash) => txLink(deployment, hash)} testId="deposit-status" />
          )}
        </form>
      ) : (
        <p className="muted small">This network's address book names no credits contract, so no deposits here.</p>
      )}
      <p className="muted small">
        One signature (a permit) and one transaction. Unspent credit can be withdrawn after a delay that lets the last
        messages settle.
      </p>
    </Card>
  );
}
