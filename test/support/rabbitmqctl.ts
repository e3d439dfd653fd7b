// rabbitmqctl, for the tests that change the broker from outside as an operator would: a policy on some
// queues, a connection closed by the broker (CONNECTION_FORCED, as on a broker restart).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Runs `rabbitmqctl -q ARGS...` (the broker of the tests must be the local node) and returns its stdout.
 * @throws Error with rabbitmqctl's stderr when it fails or is not installed.
 */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  try {
    return (await run("rabbitmqctl", ["-q", ...args], { encoding: "utf8" })).stdout;
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args.join(" ")} failed: ${stderr?.trim() || message}`, { cause: err });
  }
}

/** Undefined when rabbitmqctl answers; else why not, for t.skip (it needs the broker on this machine). */
export async function rabbitmqctlSkipReason(): Promise<string | undefined> {
  try {
    await rabbitmqctl("list_policies");
    return undefined;
  } catch (err) {
    return `${(err as Error).message}: these tests need rabbitmqctl of the local RabbitMQ node`;
  }
}

/**
 * Closes, from the broker's side, every connection whose client-provided `connection_name` contains
 * `text` (the client sees CONNECTION_FORCED, as when the broker restarts).
 * @returns how many were closed
 */
export async function closeConnectionsNamed(text: string, reason = "closed by a test"): Promise<number> {
  const lines = await rabbitmqctl("list_connections", "--no-table-headers", "pid", "client_properties");
  const pids = lines
    .split("\n")
    .filter((line) => /\{"connection_name","([^"]*)"\}/.exec(line)?.[1]?.includes(text))
    .map((line) => line.split("\t")[0]!);
  for (const pid of pids) await rabbitmqctl("close_connection", pid, reason);
  return pids.length;
}

/**
 * Runs `fn` with the policy `name` set on the queues whose names match `pattern` (a regular expression),
 * `definition` as rabbitmqctl set_policy takes it (`{"max-length": 0}`); cleared afterwards.
 */
export async function withPolicy<T>(
  name: string,
  pattern: string,
  definition: Record<string, unknown>,
  fn: (clear: () => Promise<void>) => Promise<T>,
): Promise<T> {
  let set = true;
  const clear = async () => {
    if (!set) return;
    set = false;
    await rabbitmqctl("clear_policy", name);
  };
  await rabbitmqctl("set_policy", "--apply-to", "queues", name, pattern, JSON.stringify(definition));
  try {
    return await fn(clear);
  } finally {
    await clear();
  }
}
