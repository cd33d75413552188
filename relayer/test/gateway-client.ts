import OpenAI from "openai";

/**
 * The official `openai` client against a relayer's gateway (`<relayerUrl>/v1`), with no retries so a test sees
 * each answer. Without `apiKey` the calls are anonymous (the free tier): the client insists on a key, so its
 * `authorization` header is dropped on the way out.
 */
export function gatewayClient(relayerUrl: string, apiKey?: string): OpenAI {
  return new OpenAI({
    baseURL: `${relayerUrl}/v1`,
    apiKey: apiKey ?? "anonymous",
    maxRetries: 0,
    fetch: (url, init) => {
      if (apiKey !== undefined) return fetch(url, init);
      const headers = new Headers(init?.headers);
      headers.delete("authorization");
      return fetch(url, { ...init, headers });
    },
  });
}
