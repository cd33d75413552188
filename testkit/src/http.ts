/** Parsed JSON of a test request: loosely typed on purpose, the assertions check the shape. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field by the tests
export type Json = any;

export async function json(response: Response | Promise<Response>): Promise<Json> {
  return (await response).json();
}

export async function getJson(url: string): Promise<Json> {
  return json(fetch(url));
}
