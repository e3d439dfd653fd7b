// rabbitmqctl, for the tests that change the broker from outside as an operator would: a policy on some
// queues, a connection closed by the broker (CONNECTION_FORCED, as on a broker restart).
import { execFile, spawn } from "node:child_process";
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

/** RabbitMQ's default max_message_size (128 MiB), when the broker has none set. */
const DEFAULT_MAX_MESSAGE_SIZE = 134_217_728;
/** How long a lowered max_message_size lasts at most when nothing puts it back (a test killed), in ms. */
const LOWERED_AT_MOST_MS = 60_000;

/**
 * Lowers RabbitMQ's global max_message_size to `size` bytes and returns what puts it back as it was (once;
 * later calls do nothing). A channel reads the setting when it opens: a channel opened meanwhile refuses a
 * larger body for as long as it lives (it closes with 406 PRECONDITION_FAILED on the basic.publish), the
 * channels opened before or after do not. The setting is the whole broker's, shared by other runs: lower it
 * only around the opening of the channels a test means (better: {@link openWithMaxMessageSize}). The broker puts it
 * back by itself after 60 s too, unless changed meanwhile: a test killed before its after hook does not
 * leave the broker refusing other tests' messages; putting it back stops that timer, so that it cannot put
 * back a later lowering early.
 */
export async function lowerMaxMessageSize(size: number): Promise<() => Promise<void>> {
  const answer = await rabbitmqctl(
    "eval",
    `Old = case application:get_env(rabbit, max_message_size) of {ok, V} -> V; undefined -> ${DEFAULT_MAX_MESSAGE_SIZE} end, ` +
      `T0 = erlang:monotonic_time(millisecond), application:set_env(rabbit, max_message_size, ${size}), ` +
      `Timer = spawn(fun() -> timer:sleep(${LOWERED_AT_MOST_MS}), case application:get_env(rabbit, max_message_size) of ` +
      `{ok, ${size}} -> application:set_env(rabbit, max_message_size, Old); _ -> ok end end), ` +
      `list_to_binary(io_lib:format("~b ~s", [Old, pid_to_list(Timer)])).`,
  );
  const [, old, timer] = /(\d+) (<[\d.]+>)/.exec(answer) ?? [];
  if (old === undefined || timer === undefined)
    throw new Error(`rabbitmqctl eval answered ${JSON.stringify(answer)}, not the old max_message_size`);
  let restored = false;
  return async () => {
    if (restored) return;
    restored = true;
    await rabbitmqctl(
      "eval",
      `exit(list_to_pid("${timer}"), kill), application:set_env(rabbit, max_message_size, ${old}).`,
    );
  };
}

/** How long {@link openWithMaxMessageSize} keeps max_message_size lowered at most, in ms. */
const CHANNEL_WAIT_MS = 5_000;

/**
 * Runs `open`, which opens one channel on the connection whose client-provided `connection_name` contains
 * `connection` (none other of that connection may open meanwhile), with RabbitMQ's max_message_size lowered
 * to `size` bytes for as short a time as the broker needs to see that channel, so that it refuses larger
 * bodies for as long as it lives. One `rabbitmqctl eval` does it on the broker: it notes the connection's
 * channels, lowers the setting, says so on its output (then `open` runs), and puts the setting back as soon
 * as a new channel of that connection has answered (a channel reads the setting in its init, and answers
 * nothing before), in a process of its own: within {@link CHANNEL_WAIT_MS} whatever happens (`open`
 * failing, this process killed). The window other clients of the broker can meet is the time from the
 * lowering to that channel's opening, tens of milliseconds, where lowering and putting back with two
 * rabbitmqctl calls ({@link lowerMaxMessageSize}) left it lowered for the second call's start-up too, about
 * 1.5 s, during which a channel another test opened refused its larger messages for good.
 * @throws Error when rabbitmqctl fails, or the broker saw no new channel of that connection in time (the
 *   setting is put back then too); `open`'s own error, once the setting is back
 */
export async function openWithMaxMessageSize<T>(
  size: number,
  connection: string,
  open: () => Promise<T>,
): Promise<T> {
  if (!/^[\w .:-]+$/.test(connection)) throw new Error(`not a connection name to match: ${connection}`);
  const steps = CHANNEL_WAIT_MS / 5;
  const code =
    `Mine = fun() -> [P || P <- rabbit_channel:list_local(), ` +
    `case catch rabbit_channel:info(P, [connection]) of [{connection, C}] -> ` +
    `case catch rabbit_reader:info(C, [client_properties]) of [{client_properties, Props}] -> ` +
    `case lists:keyfind(<<"connection_name">>, 1, Props) of {_, longstr, N} -> binary:match(N, <<"${connection}">>) =/= nomatch; _ -> false end; ` +
    `_ -> false end; _ -> false end] end, ` +
    `Before = Mine(), Caller = self(), ` +
    `Old = case application:get_env(rabbit, max_message_size) of {ok, V} -> V; undefined -> ${DEFAULT_MAX_MESSAGE_SIZE} end, ` +
    `T0 = erlang:monotonic_time(millisecond), application:set_env(rabbit, max_message_size, ${size}), ` +
    `spawn(fun() -> Wait = fun W(0) -> timeout; W(K) -> case Mine() -- Before of [] -> timer:sleep(5), W(K - 1); _ -> seen end end, ` +
    `R = try Wait(${steps}) after application:set_env(rabbit, max_message_size, Old) end, Caller ! {restored, R, erlang:monotonic_time(millisecond) - T0} end), ` +
    `io:format("lowered~n"), ` +
    `receive {restored, R, Ms} -> io:format("restored ~s after ~b ms~n", [R, Ms]) after ${CHANNEL_WAIT_MS * 3} -> io:format("no answer~n") end, ok.`;
  const child = spawn("rabbitmqctl", ["-q", "eval", code], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const lowered = new Promise<void>((resolve) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (/^lowered$/m.test(stdout)) resolve();
    });
  });
  const said = () => `rabbitmqctl eval (max_message_size ${size} until a channel of ${connection} opens)`;
  if ((await Promise.race([lowered.then(() => true), exited.then(() => false)])) === false)
    throw new Error(`${said()} failed: ${stderr.trim() || stdout.trim()}`);
  let result: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    result = { ok: true, value: await open() };
  } catch (error) {
    result = { ok: false, error };
  }
  const status = await exited;
  if (!result.ok) throw result.error;
  if (status !== 0 || !/^restored seen after \d+ ms$/m.test(stdout))
    throw new Error(`${said()}: no such channel seen: ${stdout.trim()} ${stderr.trim()}`);
  return result.value;
}
