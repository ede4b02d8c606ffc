/**
 * The REST API token. A configured token is used as given; otherwise one is
 * generated once (32 random bytes, hex) into `<data_dir>/api.token`, mode
 * 0600, and reused on later starts. Operators read that file to call the
 * mutating routes (`curl -H "Authorization: Bearer $(cat …/api.token)"`).
 *
 * @module
 */

/** Name of the generated token file inside the data directory. */
export const TOKEN_FILE = "api.token";

/** Where the token came from. */
export interface ApiToken {
  /** The token clients send as `Authorization: Bearer <token>`. */
  token: string;
  /** `configured`, `created` (this call wrote the file) or `reused`. */
  source: "configured" | "created" | "reused";
  /** The token file, unless configured. */
  path?: string;
}

/**
 * Returns the configured token, or reads / creates `<dataDir>/api.token`.
 * Creation is atomic: a concurrent starter either wins or reads the winner's
 * token, never a partial file. Throws if an existing file is readable or
 * writable by group or others (like ssh with private keys), or is empty.
 */
export async function ensureApiToken(dataDir: string, configured?: string): Promise<ApiToken> {
  if (configured !== undefined && configured !== "") {
    return { token: configured, source: "configured" };
  }
  const path = `${dataDir.replace(/\/+$/, "") || "/"}/${TOKEN_FILE}`;
  const existing = await readTokenFile(path);
  if (existing !== undefined) return { token: existing, source: "reused", path };

  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomHex(32);
  // Write a private temporary file, then link it into place: the token file
  // appears complete or not at all, and an existing one is never replaced.
  const tmp = `${path}.${randomHex(8)}.tmp`;
  await Deno.writeTextFile(tmp, token + "\n", { createNew: true, mode: 0o600 });
  try {
    await Deno.chmod(tmp, 0o600); // the umask may only have narrowed it; make it exact
    await Deno.link(tmp, path);
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    const winner = await readTokenFile(path);
    if (winner === undefined) throw e;
    return { token: winner, source: "reused", path };
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return { token, source: "created", path };
}

/** The token in `path`, or undefined when there is no such file. */
async function readTokenFile(path: string): Promise<string | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (!info.isFile) throw new Error(`${path} is not a regular file`);
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new Error(
      `${path} has mode ${mode}: the API token must not be accessible to other users (chmod 600 ${path})`,
    );
  }
  const token = (await Deno.readTextFile(path)).trim();
  if (token === "") throw new Error(`${path} is empty: delete it to generate a new API token`);
  return token;
}

function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
