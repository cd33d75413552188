/**
 * The relayer's HTTP routes: the one copy of every path. The read API's paths are the keys of `ReadApi` (./types.ts),
 * filled in by `apiPath`; the node protocol's HTTP polling fallback has `NODE_HTTP_ROUTES`. The relayer mounts its
 * routers under `API_BASE` and registers each route at `routerPath(route)`.
 */
import type { ReadApi } from "./types.ts";

/** Where the relayer mounts its HTTP API. */
export const API_BASE = "/api";

/** A read API route, e.g. `/api/nodes/:address`. `POST /api/tasks` (admin) shares the `/api/tasks` path. */
export type ApiRoute = keyof ReadApi;

/**
 * Every read API route as a value, for whatever must visit them all (the API privacy test walks each one); the
 * `satisfies` keeps it complete when `ReadApi` gains a route.
 */
export const READ_API_ROUTES = Object.keys({
  "/api/nodes": true,
  "/api/nodes/:address": true,
  "/api/tasks": true,
  "/api/tasks/:id": true,
  "/api/stats": true,
  "/api/epochs": true,
  "/api/epochs/:epoch": true,
  "/api/claims/:address": true,
  "/api/credits/:address": true,
} satisfies Record<ApiRoute, true>) as ApiRoute[];

/** Routes the relayer serves outside `API_BASE`: liveness, and Prometheus metrics (aggregate counters only). */
export const SERVICE_ROUTES = { health: "/healthz", metrics: "/metrics" } as const;

/** The HTTP polling fallback of the node protocol: the same frames as the WebSocket gateway (`NODE_SOCKET_PATH`). */
export const NODE_HTTP_ROUTES = {
  /** `POST`: answers a `hello` frame (the sign-in challenge). */
  challenge: "/api/auth/challenge",
  /** `POST` an `auth` frame: answers `auth_ok` with a session token, used as `Authorization: Bearer <session>`. */
  session: "/api/auth/session",
  /** `GET ?models=&capacity=&wait=&country=`: long-polls for the node's frames (204: none within `wait`). */
  job: "/api/inference/job",
  /** `POST` a work frame (`commit`, `reveal` or `report`): answers `ack` or an error frame. */
  result: "/api/inference/result",
} as const;

export type NodeHttpRoute = (typeof NODE_HTTP_ROUTES)[keyof typeof NODE_HTTP_ROUTES];

/** The `:name` segments of a route. */
export type RouteParamName<Route extends string> = Route extends `${string}:${infer Name}/${infer Rest}`
  ? Name | RouteParamName<Rest>
  : Route extends `${string}:${infer Name}`
    ? Name
    : never;

/** The values of a route's `:name` segments. */
export type RouteParams<Route extends string> = { [Name in RouteParamName<Route>]: string | number };

/** A route with its `:name` segments filled in (URI-encoded), e.g. `apiPath("/api/tasks/:id", { id })`. */
export function apiPath<Route extends ApiRoute>(
  route: Route,
  ...params: RouteParamName<Route> extends never ? [] : [RouteParams<Route>]
): string {
  const values = (params[0] ?? {}) as Record<string, string | number>;
  return route.replace(/:(\w+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    return encodeURIComponent(String(value));
  });
}

/** A route's path inside a router mounted at `API_BASE` (e.g. `/nodes/:address`). */
export function routerPath(route: ApiRoute | NodeHttpRoute): string {
  if (!route.startsWith(`${API_BASE}/`)) throw new Error(`${route} is not under ${API_BASE}`);
  return route.slice(API_BASE.length);
}
