/**
 * Nothing about a task in flight is visible to anyone but its assigned nodes, and a final challenge looks like a
 * final job (DESIGN.md, Verification; relayer/src/api/PRIVACY.md). The walk takes its routes from the sdk's lists
 * (`READ_API_ROUTES`, `NODE_HTTP_ROUTES`, `SERVICE_ROUTES`, both socket paths), so a route added there is walked too.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  type ApiRoute,
  apiPath,
  commitmentHash,
  DASHBOARD_SOCKET_PATH,
  FINAL_TASK_STATUSES,
  NODE_HTTP_ROUTES,
  NODE_SOCKET_PATH,
  outputHash,
  PROTOCOL_VERSION,
  READ_API_ROUTES,
  reportHash,
  SERVICE_ROUTES,
  signInTypedData,
} from "@gitblock/sdk";
import {
  closeAll,
  engine,
  honestVerifier,
  type Json,
  startTestRelayer,
  TestNode,
  type TestRelayer,
  until,
  waitForReadyNodes,
} from "@gitblock/testkit";
import type { Address, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";

const ADMIN = "test-admin-token-0123456789";
const MODEL = "tiny-llm";
const OTHER_MODEL = "observer-llm";
/** An id of the same shape as the relayer's, never issued. */
const FAKE_ID = randomBytes(12).toString("hex");
const UNKNOWN_ADDRESS = "0x000000000000000000000000000000000000dEaD";

interface Answer {
  request: string;
  status: number;
  body: string;
}

/** `apiPath` for a route only known at run time. */
const fillRoute = apiPath as (route: ApiRoute, params?: Record<string, string | number>) => string;

const isFinal = (status: string | undefined) => (FINAL_TASK_STATUSES as readonly string[]).includes(status ?? "");

/** The keys and value types of a JSON value, recursively; an array's as the set of its elements' shapes. */
function shape(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(shape(v))))].sort();
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    );
  }
  return typeof value;
}

/**
 * Generators and verifiers that answer honestly, except that while `holding`, only the first report on each task
 * goes out: the task stays in flight with a claim revealed and a report stored.
 */
class Workers {
  holding = true;
  readonly held: Array<() => Promise<void>> = [];
  readonly seen = new Set<string>();
  private readonly reports = new Map<string, number>();
  private readonly work: Promise<void>[] = [];
  private readonly nodes: TestNode[];

  constructor(nodes: TestNode[]) {
    this.nodes = nodes;
  }

  async step(): Promise<void> {
    for (const node of this.nodes) {
      for (let task = node.take("task"); task; task = node.take("task")) {
        this.seen.add(task.taskId);
        this.work.push(node.generate(task.taskId, engine(task.input).slice(0, task.maxTokens)));
      }
      for (let claim = node.take("verify"); claim; claim = node.take("verify")) {
        const { taskId, tokenIds } = claim;
        this.seen.add(taskId);
        const verdict = honestVerifier(node, claim);
        if (!verdict) continue;
        const send = () => node.report(taskId, tokenIds, verdict);
        const sent = this.reports.get(taskId) ?? 0;
        if (this.holding && sent >= 1) this.held.push(send);
        else {
          this.reports.set(taskId, sent + 1);
          this.work.push(send());
        }
      }
    }
    await Promise.all(this.work.splice(0));
    await Promise.race(this.nodes.map((node) => node.arrival(20)));
  }

  async release(): Promise<void> {
    this.holding = false;
    await Promise.all(this.held.splice(0).map((send) => send()));
  }
}

/** Signs in over the HTTP fallback with a fresh wallet and session key. */
async function httpSignIn(url: string, answers: Answer[]) {
  const account = privateKeyToAccount(generatePrivateKey());
  const sessionKey = privateKeyToAccount(generatePrivateKey());
  const helloResponse = await fetch(`${url}${NODE_HTTP_ROUTES.challenge}`, { method: "POST" });
  const helloText = await helloResponse.text();
  answers.push({ request: `POST ${NODE_HTTP_ROUTES.challenge}`, status: helloResponse.status, body: helloText });
  const hello = JSON.parse(helloText) as Json;
  const challenge = {
    relayer: hello.relayer,
    chainId: hello.chainId,
    account: account.address,
    nonce: hello.nonce,
    issuedAt: hello.issuedAt,
    expiresAt: hello.expiresAt,
    sessionKey: sessionKey.address,
  };
  const signature = await account.signTypedData(signInTypedData(challenge));
  const response = await fetch(`${url}${NODE_HTTP_ROUTES.session}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "auth", v: PROTOCOL_VERSION, signIn: { ...challenge, signature } }),
  });
  const text = await response.text();
  answers.push({ request: `POST ${NODE_HTTP_ROUTES.session}`, status: response.status, body: text });
  assert.equal(response.status, 200, text);
  return { account, sessionKey, session: (JSON.parse(text) as Json).session as string };
}

/** A commit, a reveal and a report on `taskId` by a node that holds no assignment on it. */
async function strangerFrames(taskId: string, node: Address, sessionKey: LocalAccount) {
  const tokens = [1, 2, 3];
  const salt = generatePrivateKey();
  const commitment = commitmentHash({ taskId, node, outputHash: outputHash(tokens), tokenCount: 3, salt });
  const claimHash = outputHash(tokens);
  const fields = { pass: true, firstFailingPosition: -1, nonTop1: 0, maxGapMicros: 0, scored: 3 };
  const timings = { queueMs: 1, inferenceMs: 1 };
  return [
    {
      type: "commit",
      v: PROTOCOL_VERSION,
      taskId,
      commitment,
      signature: await sessionKey.signMessage({ message: { raw: commitment } }),
    },
    { type: "reveal", v: PROTOCOL_VERSION, taskId, tokenIds: tokens, salt, timings },
    {
      type: "report",
      v: PROTOCOL_VERSION,
      taskId,
      claimHash,
      ...fields,
      signature: await sessionKey.signMessage({
        message: { raw: reportHash({ taskId, node, claimHash, ...fields }) },
      }),
      timings,
    },
  ];
}

/** Collects every message a socket pushes, stamped with the phase it arrived in. */
function listen(url: string, phase: () => string) {
  const socket = new WebSocket(url);
  const messages: Array<{ phase: string; text: string }> = [];
  socket.on("message", (data) => messages.push({ phase: phase(), text: data.toString() }));
  socket.on("error", () => {});
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return { socket, messages, opened };
}

describe("the API shows nothing of a task in flight", () => {
  let t: TestRelayer;
  let workers: TestNode[] = [];
  let references: TestNode[] = [];
  let observer: TestNode;
  let sockets: Array<ReturnType<typeof listen>> = [];
  let phase = "before";
  let job = { id: "", input: "" };
  let challenge = { id: "", input: "" };
  let generatorOfJob: Address;
  let pool: Workers;

  before(async () => {
    // Two reference verifiers: one of them may be drawn to generate the challenge, the other then decides it.
    references = [new TestNode(), new TestNode()];
    t = await startTestRelayer({
      api: { adminToken: ADMIN },
      verification: {
        challengeRate: 1,
        trapRate: 1,
        referenceVerifiers: references.map((r) => r.address),
        taskTimeoutMs: 120_000,
        verifyTimeoutMs: 120_000,
      },
    });
    workers = [new TestNode(), new TestNode(), new TestNode(), new TestNode(), new TestNode()];
    for (const node of [...workers, ...references]) {
      await node.connect(t.wsUrl);
      node.ready([MODEL], 4);
    }
    await waitForReadyNodes(
      t,
      [...workers, ...references].map((n) => n.address),
      MODEL,
    );
    // The third node: signed in, ready for another model, never a verifier, no admin token.
    observer = new TestNode();
    await observer.connect(t.wsUrl);
    observer.ready([OTHER_MODEL], 1, undefined, false);
    await waitForReadyNodes(t, [observer.address], OTHER_MODEL);

    const dashboard = `${t.url.replace("http", "ws")}${DASHBOARD_SOCKET_PATH}`;
    sockets = [
      listen(dashboard, () => phase),
      ...[...workers, ...references].map((n) => listen(`${dashboard}?address=${n.address}`, () => phase)),
    ];
    await Promise.all(sockets.map((s) => s.opened));
    // Each addressed socket's first profile is in before anything is submitted.
    await until("every dashboard's first profile", () =>
      sockets.slice(1).every((s) => s.messages.length > 0) ? true : undefined,
    );
    pool = new Workers([...workers, ...references]);
  });

  after(async () => {
    for (const s of sockets) s.socket.close();
    closeAll([...workers, ...references, observer].filter(Boolean));
    await t?.stop();
  });

  /** Every GET of the read API and the service routes, with every parameter value the test knows. */
  async function readAll(ids: string[]): Promise<Answer[]> {
    const addresses = [...workers, ...references, observer].map((n) => n.address).concat(UNKNOWN_ADDRESS as Address);
    const values: Record<string, Array<string | number>> = { address: addresses, id: ids, epoch: [0, 1, 2] };
    const queries: Partial<Record<ApiRoute, string[]>> = {
      "/api/nodes": ["?limit=500"],
      "/api/tasks": [
        "?limit=500",
        ...FINAL_TASK_STATUSES.map((s) => `?status=${s}`),
        "?status=verifying",
        "?status=assigned",
        ...addresses.map((a) => `?node=${a}`),
      ],
      "/api/epochs": ["?limit=1000"],
    };
    const paths: string[] = [];
    for (const route of READ_API_ROUTES) {
      const names = [...route.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
      // A new route with a parameter this test has no values for fails here, instead of going unwalked.
      for (const name of names) assert.ok(values[name], `the privacy walk has no values for :${name} (${route})`);
      let filled: Array<Record<string, string | number>> = [{}];
      for (const name of names) {
        filled = filled.flatMap((p) => (values[name] ?? []).map((v) => ({ ...p, [name]: v })));
      }
      for (const params of filled) {
        const path = fillRoute(route, params);
        paths.push(path, ...(queries[route] ?? []).map((q) => `${path}${q}`));
      }
    }
    paths.push(SERVICE_ROUTES.health, SERVICE_ROUTES.metrics);
    return Promise.all(
      paths.map(async (path) => {
        const response = await fetch(`${t.url}${path}`);
        return { request: `GET ${path}`, status: response.status, body: await response.text() };
      }),
    );
  }

  let beforeAnswers: Answer[] = [];

  it("walks every route as a third node while a job and its challenge are in flight", async () => {
    beforeAnswers = await readAll([FAKE_ID]);

    const input = `privacy walk ${randomBytes(8).toString("hex")}: the quick brown fox`;
    const submitted = await fetch(`${t.url}/api/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ model: MODEL, input, maxTokens: 64 }),
    });
    assert.equal(submitted.status, 201);
    job = { id: ((await submitted.json()) as Json).id, input };
    phase = "in flight";

    // In flight: each task has its claim revealed, one report stored and at least one report still owed.
    await until(
      "a job and its challenge in flight with a report stored",
      async () => {
        await pool.step();
        const ids = [...pool.seen];
        const tasks = await Promise.all(ids.map((id) => t.relayer.store.getTask(id)));
        const found = tasks.find((task) => task?.kind === "challenge");
        if (!found) return undefined;
        for (const id of [job.id, found.id]) {
          const task = await t.relayer.store.getTask(id);
          const assignments = await t.relayer.store.getAssignments(id);
          const reported = assignments.some((a) => a.report !== null);
          const owed = assignments.some((a) => a.role !== "generate" && a.status === "assigned");
          if (task?.status !== "verifying" || !reported || !owed) return undefined;
        }
        challenge = { id: found.id, input: found.input };
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 1 },
    );
    const jobAssignments = await t.relayer.store.getAssignments(job.id);
    generatorOfJob = jobAssignments.find((a) => a.role === "generate")?.node as Address;

    // What only the assigned nodes (and the relayer) know.
    const secrets = new Set<string>([job.id, challenge.id, job.input, challenge.input]);
    for (const { id, input: taskInput } of [job, challenge]) {
      secrets.add(engine(taskInput).slice(0, 6).join(","));
      secrets.add(outputHash(engine(taskInput).slice(0, 64)));
      for (const a of await t.relayer.store.getAssignments(id)) {
        for (const value of [a.commitment, a.commitSignature, a.outputHash, a.report?.signature]) {
          if (value) secrets.add(value);
        }
        if (a.tokenIds) secrets.add(outputHash(a.tokenIds));
      }
    }
    for (const node of [...workers, ...references]) for (const salt of node.salts.values()) secrets.add(salt);
    const leaks = (text: string) => [...secrets].filter((s) => text.toLowerCase().includes(s.toLowerCase()));
    const assertSilent = (answer: Answer) =>
      assert.deepEqual(leaks(answer.body), [], `${answer.request} (${answer.status}) shows: ${answer.body}`);

    // 1. The read API and the service routes: nothing, and for a task id exactly what an unknown id gets.
    const during = await readAll([FAKE_ID, job.id, challenge.id]);
    for (const answer of during) assertSilent(answer);
    const byRequest = new Map(during.map((a) => [a.request, a]));
    for (const id of [job.id, challenge.id]) {
      const real = byRequest.get(`GET ${apiPath("/api/tasks/:id", { id })}`);
      const fake = byRequest.get(`GET ${apiPath("/api/tasks/:id", { id: FAKE_ID })}`);
      assert.deepEqual({ status: real?.status, body: real?.body }, { status: 404, body: '{"error":"not found"}' });
      assert.deepEqual({ status: fake?.status, body: fake?.body }, { status: 404, body: '{"error":"not found"}' });
    }
    // Everything but aggregate counters answers as it did before the job existed: no profile, node row, feed or
    // epoch moved because a node holds a task, committed, revealed or reported.
    const aggregate = new Set([`GET ${apiPath("/api/stats")}`, `GET ${SERVICE_ROUTES.metrics}`]);
    for (const earlier of beforeAnswers) {
      const now = byRequest.get(earlier.request);
      if (aggregate.has(earlier.request)) continue;
      assert.deepEqual(now, earlier, `${earlier.request} changed while the task was in flight`);
    }
    const stats = JSON.parse(byRequest.get(`GET ${apiPath("/api/stats")}`)?.body ?? "{}") as Record<string, unknown>;
    for (const [key, value] of Object.entries(stats)) {
      const counts = typeof value === "object" && value !== null ? Object.values(value) : [value];
      assert.ok(
        counts.every((n) => typeof n === "number"),
        `/api/stats ${key} is not an aggregate count`,
      );
    }

    // 2. Admin writes without the admin token.
    const denied = await fetch(`${t.url}/api/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, input: "x", maxTokens: 1 }),
    });
    assertSilent({ request: "POST /api/tasks", status: denied.status, body: await denied.text() });
    assert.equal(denied.status, 401);

    // 3. The node protocol's HTTP fallback as a stranger: sign-in, a poll, and work frames on the tasks.
    const httpAnswers: Answer[] = [];
    const poller = await httpSignIn(t.url, httpAnswers);
    const auth = { authorization: `Bearer ${poller.session}` };
    const poll = await fetch(`${t.url}${NODE_HTTP_ROUTES.job}?models=${OTHER_MODEL}&capacity=1&wait=0`, {
      headers: auth,
    });
    httpAnswers.push({ request: `GET ${NODE_HTTP_ROUTES.job}`, status: poll.status, body: await poll.text() });
    const post = async (frame: Json): Promise<Answer> => {
      const response = await fetch(`${t.url}${NODE_HTTP_ROUTES.result}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify(frame),
      });
      return {
        request: `POST ${NODE_HTTP_ROUTES.result} ${frame.type}`,
        status: response.status,
        body: await response.text(),
      };
    };
    const strangerAnswers = async (id: string) =>
      Promise.all((await strangerFrames(id, poller.account.address, poller.sessionKey)).map(post));
    const unknown = await strangerAnswers(FAKE_ID);
    for (const id of [job.id, challenge.id]) {
      const answers = await strangerAnswers(id);
      // The relayer may name the id it was sent; otherwise a real task answers exactly like one never issued.
      const asUnknown = answers.map((a) => ({ ...a, body: a.body.split(id).join(FAKE_ID) }));
      assert.deepEqual(asUnknown, unknown);
      httpAnswers.push(...asUnknown);
    }
    for (const answer of httpAnswers) assertSilent(answer);

    // 4. The node socket as a stranger: the same frames get the same errors as for an unknown id; nothing else comes.
    const socketErrors = async (id: string) => {
      const frames = await strangerFrames(id, observer.address, observer.sessionKey);
      const errors = [];
      for (const frame of frames) {
        observer.send(frame);
        errors.push(await observer.next("error", { where: (m) => m.taskId === id }));
      }
      return errors;
    };
    const unknownOnSocket = JSON.stringify(await socketErrors(FAKE_ID));
    for (const id of [job.id, challenge.id]) {
      assert.equal(
        JSON.stringify(await socketErrors(id))
          .split(id)
          .join(FAKE_ID),
        unknownOnSocket,
      );
    }
    assert.deepEqual(
      observer.received.filter((m) => m.type !== "heartbeat"),
      [],
      `${NODE_SOCKET_PATH} sent the third node frames`,
    );

    // 5. The dashboard channel, network-wide and for every node that could hold the tasks: no verdict, no change.
    for (const socket of sockets) {
      const inFlight = socket.messages.filter((m) => m.phase === "in flight");
      const first = socket.messages.find((m) => m.phase === "before")?.text;
      for (const message of inFlight) {
        assertSilent({ request: DASHBOARD_SOCKET_PATH, status: 101, body: message.text });
        assert.notEqual(JSON.parse(message.text).type, "verdict", "a verdict was pushed before the task was final");
        if (first) assert.equal(message.text, first, "a profile changed while the task was in flight");
      }
    }
  });

  it("shows a final challenge and a final job with the same fields of the same types", async () => {
    assert.ok(challenge.id, "the walk found the challenge");
    phase = "final";
    await pool.release();
    await until(
      "the job and the challenge to be final",
      async () => {
        await pool.step();
        const tasks = await Promise.all([job.id, challenge.id].map((id) => t.relayer.store.getTask(id)));
        return tasks.every((task) => isFinal(task?.status)) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 1 },
    );
    const [jobDetail, challengeDetail] = await Promise.all(
      [job.id, challenge.id].map(async (id) => {
        const response = await fetch(`${t.url}${apiPath("/api/tasks/:id", { id })}`);
        assert.equal(response.status, 200);
        return (await response.json()) as Json;
      }),
    );
    assert.equal(jobDetail.status, "validated");
    assert.equal(challengeDetail.status, "validated");
    assert.deepEqual(shape(challengeDetail), shape(jobDetail));
    for (const detail of [jobDetail, challengeDetail]) {
      const text = JSON.stringify(detail);
      for (const hidden of [
        "kind",
        "input",
        "pinnedNode",
        "commitment",
        "commitSignature",
        "tokenIds",
        "report",
        "trap",
      ]) {
        assert.ok(!text.includes(`"${hidden}"`), `a final task shows ${hidden}`);
      }
      for (const secret of [job.input, challenge.input]) assert.ok(!text.includes(secret));
      const roles = new Set(detail.assignments.map((a: Json) => a.role));
      assert.deepEqual([...roles].sort(), ["generate", "verify"], "only generate and verify are shown");
      for (const a of detail.assignments) {
        if (a.role === "verify") assert.deepEqual([a.outputHash, a.tokensGenerated], [null, null]);
      }
    }
    // The feed lists both now, the challenge no differently from the job.
    const feed = (await (await fetch(`${t.url}/api/tasks?limit=500`)).json()) as Json;
    const rows = feed.tasks.filter((row: Json) => row.id === job.id || row.id === challenge.id);
    assert.equal(rows.length, 2);
    assert.deepEqual(shape(rows[0]), shape(rows[1]));
    const mine = (await (await fetch(`${t.url}/api/tasks?node=${generatorOfJob}`)).json()) as Json;
    assert.ok(mine.tasks.some((row: Json) => row.id === job.id));
  });
});
