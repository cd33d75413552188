import { useCallback, useSyncExternalStore } from "react";
import { useAccount, useSignTypedData } from "wagmi";
import { type SignTypedData, sessionValid, signInWithWallet, type WalletSession } from "../lib/wallet-session.ts";
import { useGatewayApi } from "./gateway.ts";

/**
 * The wallet session, shared by every part of the page (chat, usage, API keys) so the wallet signs once. Kept in
 * memory only: the token is a bearer credential, and a reload costs one more signature, not a leaked token.
 */
interface SessionState {
  session: WalletSession | null;
  signingIn: boolean;
  error: string | null;
}

let state: SessionState = { session: null, signingIn: false, error: null };
let inFlight: Promise<WalletSession> | null = null;
const listeners = new Set<() => void>();

function update(next: Partial<SessionState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function useWalletSession() {
  const { address } = useAccount();
  const api = useGatewayApi();
  const { signTypedDataAsync } = useSignTypedData();
  const current = useSyncExternalStore(subscribe, () => state);
  const session = sessionValid(current.session, address) ? current.session : null;

  /** The session for the connected wallet, signing in when there is none (one signature; concurrent calls share it). */
  const signIn = useCallback(async (): Promise<WalletSession> => {
    if (!address) throw new Error("connect your wallet first");
    if (sessionValid(state.session, address) && state.session) return state.session;
    if (!inFlight) {
      update({ signingIn: true, error: null });
      inFlight = signInWithWallet({ api, account: address, signTypedData: signTypedDataAsync as SignTypedData })
        .then((signed) => {
          update({ session: signed, signingIn: false });
          return signed;
        })
        .catch((error: unknown) => {
          update({ signingIn: false, error: error instanceof Error ? error.message : String(error) });
          throw error;
        })
        .finally(() => {
          inFlight = null;
        });
    }
    return inFlight;
  }, [address, api, signTypedDataAsync]);

  /** The relayer refused the token (401): forget it, the next call signs in again. */
  const expire = useCallback(() => update({ session: null }), []);

  return { session, signIn, expire, signingIn: current.signingIn, error: current.error };
}
