import { ConnectButton } from "@rainbow-me/rainbowkit";
import { lazy, Suspense, useEffect } from "react";
import { LivePill } from "./components/ui.tsx";
import { useApp } from "./context.tsx";
import { useLive } from "./live.tsx";
import { NodeStatusPill } from "./node-runtime/NodeStatusPill.tsx";
import { DashboardPage } from "./pages/Dashboard.tsx";
import { ROUTES, type RoutePath, useRoute } from "./router.ts";
import { BrowserWalletMenu } from "./wallet-genesis/BrowserWalletMenu.tsx";

// The dashboard is in the first bundle; every other page, and the onboarding most visits never show, is a chunk of
// its own, fetched when first opened (the initial-JS budget of `npm run bench:web`).
const PAGES: Record<RoutePath, React.ComponentType> = {
  "/": DashboardPage,
  "/mine": lazy(() => import("./pages/Mining.tsx").then((m) => ({ default: m.MiningPage }))),
  "/wallet": lazy(() => import("./pages/Wallet.tsx").then((m) => ({ default: m.WalletPage }))),
  "/reputation": lazy(() => import("./pages/Reputation.tsx").then((m) => ({ default: m.ReputationPage }))),
  "/tasks": lazy(() => import("./pages/Tasks.tsx").then((m) => ({ default: m.TasksPage }))),
  "/network": lazy(() => import("./pages/Network.tsx").then((m) => ({ default: m.NetworkPage }))),
  "/chat": lazy(() => import("./pages/Chat.tsx").then((m) => ({ default: m.ChatPage }))),
  "/publisher": lazy(() => import("./pages/Publisher.tsx").then((m) => ({ default: m.PublisherPage }))),
  "/guide": lazy(() => import("./pages/Guide.tsx").then((m) => ({ default: m.GuidePage }))),
};
const Onboarding = lazy(() => import("./onboarding/Onboarding.tsx").then((m) => ({ default: m.Onboarding })));

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
            <NodeStatusPill />
            <LivePill status={status} latencyMs={latencyMs} />
            <BrowserWalletMenu />
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
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <Page />
          </Suspense>
        </main>
        <Suspense fallback={null}>
          <Onboarding />
        </Suspense>
      </div>
    </div>
  );
}
