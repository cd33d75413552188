import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useEffect } from "react";
import { LivePill } from "./components/ui.tsx";
import { useApp } from "./context.tsx";
import { useLive } from "./live.tsx";
import { ChatPage } from "./pages/Chat.tsx";
import { DashboardPage } from "./pages/Dashboard.tsx";
import { GuidePage } from "./pages/Guide.tsx";
import { MiningPage } from "./pages/Mining.tsx";
import { NetworkPage } from "./pages/Network.tsx";
import { ReputationPage } from "./pages/Reputation.tsx";
import { TasksPage } from "./pages/Tasks.tsx";
import { WalletPage } from "./pages/Wallet.tsx";
import { ROUTES, type RoutePath, useRoute } from "./router.ts";

const PAGES: Record<RoutePath, () => React.JSX.Element> = {
  "/": DashboardPage,
  "/mine": MiningPage,
  "/wallet": WalletPage,
  "/reputation": ReputationPage,
  "/tasks": TasksPage,
  "/network": NetworkPage,
  "/chat": ChatPage,
  "/guide": GuidePage,
};

export function App() {
  const route = useRoute();
  const { status, latencyMs } = useLive();
  const { runtime } = useApp();
  const Page = PAGES[route];
  const title = ROUTES.find((r) => r.path === route)?.label ?? "";
  useEffect(() => {
    // On a phone the navigation is one scrolling row: keep the current page's tab in view.
    document.querySelector(`.sidebar a[href="#${route}"]`)?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [route]);
  return (
    <div className="shell">
      <aside className="sidebar">
        <a className="brand" href="#/" aria-label="GitBlock home">
          <span className="logo" aria-hidden="true">
            ▣
          </span>
          GitBlock
        </a>
        <nav aria-label="Main">
          <ul>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <a href={`#${r.path}`} aria-current={r.path === route ? "page" : undefined}>
                  <span className="nav-icon" aria-hidden="true">
                    {r.icon}
                  </span>
                  {r.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <h1>{title}</h1>
          <div className="topbar-right">
            <LivePill status={status} latencyMs={latencyMs} />
            <ConnectButton
              accountStatus={{ smallScreen: "avatar", largeScreen: "full" }}
              chainStatus="icon"
              showBalance={false}
            />
          </div>
        </header>
        {runtime.deployments.length === 0 && (
          <div className="banner" role="alert">
            No deployments found. Start a local network with <code>npm start</code> (it writes
            deployments/localhost.json).
          </div>
        )}
        <main id="content">
          <Page />
        </main>
      </div>
    </div>
  );
}
