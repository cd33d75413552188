import "@rainbow-me/rainbowkit/styles.css";
import "./styles.css";
import { type AvatarComponent, darkTheme, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App.tsx";
import { AppProvider } from "./context.tsx";
import { loadRuntimeConfig } from "./lib/config.ts";
import { RelayerApi } from "./lib/sdk.ts";
import { LiveProvider } from "./live.tsx";
import { BrowserNodeProvider } from "./node-runtime/BrowserNodeProvider.tsx";
import { makeWagmiConfig } from "./wagmi.ts";

const runtime = await loadRuntimeConfig();
const wagmiConfig = makeWagmiConfig(runtime, window.location.origin);
const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 2_000, retry: 1, refetchOnWindowFocus: false } },
});
const api = new RelayerApi(runtime.relayer);
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
          <AppProvider value={{ runtime, api }}>
            <LiveProvider>
              {/* The browser node lives here, above the routes: it keeps running whichever page is shown. */}
              <BrowserNodeProvider>
                <App />
              </BrowserNodeProvider>
            </LiveProvider>
          </AppProvider>
        </RainbowKitProvider>
      </QueryClientProvider>
    </WagmiProvider>
  </StrictMode>,
);
