/**
 * What the browser node declares about itself. The node itself (the SDK's NodeClient and its engine) runs in a Web
 * Worker at app level: see web/src/node-runtime/.
 */

/** The country to declare, from the browser's locale (region subtag), if it has one. */
export function localeCountry(locale = globalThis.navigator?.language ?? ""): string | undefined {
  const region = locale.split(/[-_]/)[1];
  return region && /^[A-Za-z]{2}$/.test(region) ? region.toUpperCase() : undefined;
}
