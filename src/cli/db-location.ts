/** `VIGIL_DB` overrides the default store, `./vigil.db`. */
export function defaultDbLocation(): string {
  return process.env.VIGIL_DB || './vigil.db';
}
