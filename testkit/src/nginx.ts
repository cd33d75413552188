// nginx in front of relayer instances, as an operator would run it: round robin, WebSocket upgrades, streamed
// answers unbuffered, and a dead instance skipped on the next request.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./ports.ts";
import { until } from "./readiness.ts";

export const NGINX_BINARY = "/usr/sbin/nginx";

/** Answered by nginx itself with the number of the configuration it runs: readiness, and a reload taking effect. */
const GENERATION_PATH = "/.nginx/generation";

export interface Nginx {
  url: string;
  wsUrl: string;
  port: number;
  /** Rewrites the upstream list (the same one when not given) and resolves once nginx serves the new configuration. */
  reload(upstreams?: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** `upstreams`: `127.0.0.1:port` of each relayer instance. Logs, pid and temp files stay in a throwaway folder. */
export async function startNginx({ upstreams, port }: { upstreams: readonly string[]; port?: number }): Promise<Nginx> {
  if (!existsSync(NGINX_BINARY)) {
    throw new Error(`nginx is not installed (${NGINX_BINARY} is missing): apt-get install nginx`);
  }
  const listen = port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), "gitblock-nginx-"));
  const confFile = path.join(dir, "nginx.conf");
  const errorLog = path.join(dir, "error.log");
  const url = `http://127.0.0.1:${listen}`;
  let generation = 1;
  let current = [...upstreams];
  writeFileSync(confFile, nginxConf({ dir, port: listen, upstreams: current, generation }));
  const child = spawn(NGINX_BINARY, ["-p", `${dir}/`, "-c", confFile, "-e", errorLog], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const failure = (error: unknown) =>
    new Error(
      `nginx did not come up: ${(error as Error).message}\n${stderr}${existsSync(errorLog) ? readFileSync(errorLog, "utf8") : ""}`,
    );
  const servesGeneration = (wanted: number) =>
    until(
      `nginx at ${url} to serve configuration ${wanted}`,
      async () => {
        const response = await fetch(`${url}${GENERATION_PATH}`, { signal: AbortSignal.timeout(2_000) });
        return (await response.text()) === String(wanted) ? true : undefined;
      },
      { child, timeoutMs: 10_000, intervalMs: 20 },
    );
  try {
    await servesGeneration(generation);
  } catch (error) {
    await kill(child, exited);
    rmSync(dir, { recursive: true, force: true });
    throw failure(error);
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${listen}/ws/node`,
    port: listen,
    async reload(next = current) {
      current = [...next];
      generation++;
      writeFileSync(confFile, nginxConf({ dir, port: listen, upstreams: current, generation }));
      child.kill("SIGHUP");
      await servesGeneration(generation);
    },
    async stop() {
      await kill(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM is nginx's fast shutdown: open WebSockets are cut, which is what a test tearing down wants. */
async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await exited;
}

function nginxConf({
  dir,
  port,
  upstreams,
  generation,
}: {
  dir: string;
  port: number;
  upstreams: readonly string[];
  generation: number;
}): string {
  if (upstreams.length === 0) throw new Error("nginx needs at least one upstream");
  const temp = (name: string) => path.join(dir, name);
  return `# written by @gitblock/testkit startNginx (configuration ${generation})
daemon off;
master_process on;
worker_processes 1;
pid ${temp("nginx.pid")};
error_log ${temp("error.log")} warn;
${
  // As root, workers would drop to "nobody", who cannot write to this folder's temp paths.
  process.getuid?.() === 0 ? "user root;\n" : ""
}worker_shutdown_timeout 5s;
events { worker_connections 8192; }

http {
  access_log off;
  client_body_temp_path ${temp("client-body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};

  map $http_upgrade $connection_upgrade {
    default upgrade;
    "" close;
  }

  upstream relayers {
${upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=2s;`).join("\n")}
  }

  server {
    listen 127.0.0.1:${port};

    location = ${GENERATION_PATH} {
      default_type text/plain;
      return 200 "${generation}";
    }

    location / {
      proxy_pass http://relayers;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Node sockets and dashboard pushes stay open for hours; /v1 streams (SSE) go out token by token.
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_buffering off;
      # A killed instance refuses the connection at once: try the next one, and leave it out for fail_timeout.
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout;
    }
  }
}
`;
}
