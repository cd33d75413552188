import type { IncomingMessage } from "node:http";
import { isIPv6 } from "node:net";

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The key per-address limits count under: an IPv4 address as it is (also when the socket reports it IPv4-mapped),
 * an IPv6 address by its /64, the smallest block a subscriber is handed. Counting single IPv6 addresses would let
 * one host take a fresh address for every connection.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = IPV4_MAPPED.exec(address)?.[1];
  if (mapped) return mapped;
  const bare = address.split("%")[0] ?? address;
  if (!isIPv6(bare)) return bare;
  const [head = "", tail] = bare.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0");
  const prefix = [...headGroups, ...zeros, ...tailGroups].slice(0, 4).map((group) => Number.parseInt(group, 16) || 0);
  return `${prefix.map((group) => group.toString(16)).join(":")}::/64`;
}

/**
 * The client a request comes from. Behind a reverse proxy every socket is the proxy's, so with `trustProxy` the
 * last `X-Forwarded-For` hop (the one the proxy appended, which the client cannot choose) names the client.
 */
export function requestClientKey(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
    const last = hops.at(-1)?.trim();
    if (last) return clientKey(last);
  }
  return clientKey(request.socket.remoteAddress);
}
