/**
 * A demo publisher's page: a tiny static site on its own origin that embeds the GitBlock widget with one
 * `<script>` tag, as a publisher pastes it. `npm start` serves it on `http://demo.localhost:<port>` (browsers
 * resolve `*.localhost` to loopback, and it is another origin than the dApp's `127.0.0.1`), and the publisher e2e
 * (web/e2e/publisher.e2e.ts) serves the same page on a verified and on an unverified origin.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface PublisherPage {
  /** The port it listens on. */
  port: number;
  stop(): Promise<void>;
}

export function publisherPageHtml(dappOrigin: string, placementId: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>A demo publisher</title>
    <style>body { font: 16px system-ui, sans-serif; max-width: 760px; margin: 2rem auto; } #log { font-size: 13px; color: #555; }</style>
  </head>
  <body>
    <h1>A demo publisher's page</h1>
    <p>This site is not GitBlock: it embeds the GitBlock browser node with one script tag. Visitors who consent earn
    GBT; this site earns its share.</p>
    <script src="${dappOrigin}/widget.js" data-placement="${placementId}" data-height="420"></script>
    <h2>What the widget tells this page</h2>
    <pre id="log"></pre>
    <script>
      const log = document.getElementById("log");
      window.gitblockWidgetMessages = [];
      window.addEventListener("gitblock:widget", (event) => {
        window.gitblockWidgetMessages.push(event.detail);
        log.textContent = JSON.stringify(event.detail) + "\\n" + log.textContent;
      });
    </script>
  </body>
</html>
`;
}

/** Serves the page at `/` (and any path, so path prefixes can be tried) until stopped. */
export async function startPublisherPage(options: {
  dappOrigin: string;
  placementId: string;
  port?: number;
  host?: string;
}): Promise<PublisherPage> {
  const html = publisherPageHtml(options.dappOrigin, options.placementId);
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
