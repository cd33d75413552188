/**
 * The publisher dashboard (#/publisher): sign in with the wallet, add and verify domains, create placements and copy
 * their snippets, watch active sessions, earnings per placement and per day, and the payouts claimed.
 */
import "../publisher/publisher.css";
import { useAccount } from "wagmi";
import { Card, ConnectPrompt } from "../components/ui.tsx";
import { DomainsCard } from "../publisher/DomainsCard.tsx";
import { EarningsCard } from "../publisher/EarningsCard.tsx";
import { PayoutsCard } from "../publisher/PayoutsCard.tsx";
import { PlacementsCard } from "../publisher/PlacementsCard.tsx";
import { usePublisher } from "../publisher/use-publisher.ts";

export function PublisherPage() {
  const { address } = useAccount();
  const { wallet, api, me, earnings, refresh } = usePublisher();
  if (!address) return <ConnectPrompt what="run your publisher account" />;
  if (!api) {
    return (
      <Card title="Publisher account">
        <p>
          Earn a share of what your visitors' browsers do: verify your domain, create a placement, and paste its
          snippet. Sign in with this wallet (one signature, no transaction); it is also the wallet your share is paid
          to.
        </p>
        <button
          type="button"
          className="primary"
          disabled={wallet.signingIn}
          onClick={() => void wallet.signIn().catch(() => {})}
        >
          {wallet.signingIn ? "Signing in…" : "Sign in as a publisher"}
        </button>
        {wallet.error && (
          <p className="error" role="alert">
            {wallet.error}
          </p>
        )}
      </Card>
    );
  }
  const error = me.error ?? earnings.error;
  return (
    <div className="grid publisher">
      {error && (
        <p className="error" role="alert">
          {(error as Error).message}
        </p>
      )}
      <DomainsCard api={api} domains={me.data?.domains ?? []} onChange={refresh} />
      <PlacementsCard
        api={api}
        domains={me.data?.domains ?? []}
        placements={me.data?.placements ?? []}
        activeSessions={earnings.data?.activeSessions ?? {}}
        onChange={refresh}
      />
      {earnings.data && <EarningsCard earnings={earnings.data} placements={me.data?.placements ?? []} />}
      <PayoutsCard address={address} />
    </div>
  );
}
