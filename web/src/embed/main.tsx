/**
 * Entry of the widget's page (web/embed.html): the dApp's providers (../app-root.tsx) without the live feed, and the
 * app-level browser node, around the widget. `?placement=<id>` names the placement (widget.js sets it).
 */
// First: RainbowKit's styles come before ours.
import { renderApp } from "../app-root.tsx";
import "../styles.css";
import "./embed.css";
import { BrowserNodeProvider } from "../node-runtime/BrowserNodeProvider.tsx";
import { EmbedApp } from "./EmbedApp.tsx";

const placementId = new URLSearchParams(window.location.search).get("placement") ?? "";

await renderApp(
  <BrowserNodeProvider>
    <EmbedApp placementId={placementId} />
  </BrowserNodeProvider>,
);
