// First: RainbowKit's styles come before ours.
import { renderApp } from "./app-root.tsx";
import "./styles.css";
import { App } from "./App.tsx";
import { LiveProvider } from "./live.tsx";
import { BrowserNodeProvider } from "./node-runtime/BrowserNodeProvider.tsx";

await renderApp(
  <LiveProvider>
    {/* The browser node lives here, above the routes: it keeps running whichever page is shown. */}
    <BrowserNodeProvider>
      <App />
    </BrowserNodeProvider>
  </LiveProvider>,
);
