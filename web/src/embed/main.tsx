/**
 * Entry of the widget's page (web/embed.html): the same providers as the dApp (main.tsx) minus the live feed, and
 * the app-level browser node, around the widget. `?placement=<id>` names the placement (widget.js sets it).
 */
import "@rainbow-me/rainbowkit/styles.css";
import "../styles.css";
import "./embed.css";
import { darkTheme, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { AppProvider } from "../context.tsx";
import { loadRuntimeConfig } from "../lib/config.ts";
import { RelayerApi } from "../lib/sdk.ts";
import { BrowserNodeProvider } from "../node-runtime/BrowserNodeProvider.tsx";
import { makeWagmiConfig } from "../wagmi.ts";
import { EmbedApp } from "./EmbedApp.tsx";

const runtime = await loadRuntimeConfig();
const wagmiConfig = makeWagmiConfig(runtime, window.location.origin);
const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 2_000, retry: 1, refetchOnWindowFocus: false } },
});
const api = new RelayerApi(runtime.relayer);
const placementId = new URLSearchParams(window.location.search).get("placement") ?? "";
const root = document.getElementById("root");
if (!root) throw new Error("#root missing");

createRoot(root).render(
  <StrictMode>
    <WagmiProvider config={wagmiConfig}>
      <QueryClientProvider client={queryClient}>
        <RainbowKitProvider theme={darkTheme({ accentColor: "#6e6ef5", borderRadius: "medium" })} modalSize="compact">
          <AppProvider value={{ runtime, api }}>
            <BrowserNodeProvider>
              <EmbedApp placementId={placementId} />
            </BrowserNodeProvider>
          </AppProvider>
        </RainbowKitProvider>
      </QueryClientProvider>
    </WagmiProvider>
  </StrictMode>,
);
