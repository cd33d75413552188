/**
 * What every page of the dApp's origin runs under: the runtime config, wagmi, react-query, RainbowKit and the
 * relayer API, rendered into #root around `content`. The dApp (main.tsx) and the widget's page (embed/main.tsx)
 * both start here, each with its own content inside.
 */
import "@rainbow-me/rainbowkit/styles.css";
import { type AvatarComponent, darkTheme, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { AppProvider } from "./context.tsx";
import { loadRuntimeConfig } from "./lib/config.ts";
import { RelayerApi } from "./lib/sdk.ts";
import { makeWagmiConfig } from "./wagmi.ts";

/** A gradient from the address (RainbowKit's default emoji avatar needs an emoji font many systems lack). */
const Avatar: AvatarComponent = ({ address, size }) => (
  <div
    aria-hidden="true"
    style={{
      width: size,
      height: size,
      borderRadius: "50%",
      background: `linear-gradient(135deg, #${address.slice(2, 8)}, #${address.slice(-6)})`,
    }}
  />
);

export async function renderApp(content: ReactNode): Promise<void> {
  const runtime = await loadRuntimeConfig();
  const wagmiConfig = makeWagmiConfig(runtime, window.location.origin);
  const queryClient = new QueryClient({
    defaultOptions: { queries: { staleTime: 2_000, retry: 1, refetchOnWindowFocus: false } },
  });
  const api = new RelayerApi(runtime.relayer);
  const root = document.getElementById("root");
  if (!root) throw new Error("#root missing");
  createRoot(root).render(
    <StrictMode>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          <RainbowKitProvider
            theme={darkTheme({ accentColor: "#6e6ef5", borderRadius: "medium" })}
            modalSize="compact"
            avatar={Avatar}
          >
            <AppProvider value={{ runtime, api }}>{content}</AppProvider>
          </RainbowKitProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </StrictMode>,
  );
}
