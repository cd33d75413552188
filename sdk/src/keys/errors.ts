/** A signing key could not be loaded or stored (missing env, wrong keystore password, bad file, refused overwrite). */
export class KeyError extends Error {
  override name = "KeyError";
}
