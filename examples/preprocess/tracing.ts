import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { startTracing, type TracingHandle } from "tracehop";
import {
  APP_NAME,
  endingLine,
  ENDING_MESSAGE,
  endingSignalLine,
  exitForBadInput,
  firstLine,
  nameProcess,
  processName as namedProcess,
  shutdownTimeoutMs,
  signalExitCode,
  spansFile,
  stoppedLine,
} from "./config.js";

/** The process's name in its lines (config.ts nameProcess): `api`, `relay`, `worker`; `process` before it is named. */
const ownName = (): string => namedProcess() ?? "process";

/**
 * The start-up's stop, until {@link onShutdownSignal} installs the process's own: a SIGTERM or SIGINT while
 * the process starts (checks and opens its database, connects to the broker: up to
 * TRACEHOP_CONNECT_TIMEOUT_MS each) ends it at once, saying so as a stop does (`tracehop preprocess: relay:
 * stopped on SIGTERM: exiting with code 0`; docs/example.md "Exit codes": 0 after one signal), for nothing has been
 * taken on yet that a stop would finish or flush. Without it the signal's default action ended the process
 * silently with 143 or 130. Started by `npm start` (an IPC channel), it ends as silently when that channel
 * closes before it is ready (main.ts gone, however it ended): nobody reads its stderr then, and it would
 * otherwise run on, orphaned. Called first in the process's code, so that the window left is Node's loading
 * of its modules (a second or so), where no handler can be yet.
 * @param name the process's name in its lines (`api`, `relay`, `worker`).
 */
export function stopOnSignalWhileStarting(name: string): void {
  nameProcess(name);
  const onSignal = (signal: "SIGINT" | "SIGTERM") => {
    console.error(stoppedLine(signal, 0, ownName()));
    process.exit(0);
  };
  const onDisconnect = () => process.exit(0);
  startupStop = { onSignal, onDisconnect };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  if (process.send) {
    process.on("disconnect", onDisconnect);
    // Closed already, while Node loaded the modules: its event has passed.
    if (!process.connected) onDisconnect();
  }
}

/** The handlers {@link stopOnSignalWhileStarting} installed, removed by {@link onShutdownSignal}. */
let startupStop: { onSignal: (signal: "SIGINT" | "SIGTERM") => void; onDisconnect: () => void } | undefined;

/**
 * Starts tracing for one of the pipeline's processes: spans go to the OTLP JSON-lines spans file and,
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set, over OTLP/HTTP too; its `shutdown()` gives up on the spans not
 * flushed after TRACEHOP_SHUTDOWN_TIMEOUT_MS (config.ts shutdownTimeoutMs; 5000 ms by default), checked at
 * the process's start.
 */
export function startProcessTracing(serviceName: string, options: { http?: boolean } = {}): TracingHandle {
  const path = spansFile();
  // The process's name in its lines (`api`, `relay`, `worker`): its service name without the app's prefix.
  nameProcess(serviceName.startsWith(`${APP_NAME}-`) ? serviceName.slice(APP_NAME.length + 1) : serviceName);
  try {
    return startTracing({
      serviceName,
      serviceVersion: process.env.npm_package_version ?? "0.1.0",
      environment: process.env.TRACEHOP_ENV ?? "local",
      spansFile: path,
      instrumentations: options.http ? [new HttpInstrumentation()] : [],
      shutdownTimeoutMillis: shutdownTimeoutMs(),
    });
  } catch (err) {
    // startTracing refuses a spans file it could not write (a folder, a path under a file), with
    // code TRACEHOP_BAD_SPANS_FILE and the reason: bad input here, where the path is TRACEHOP_SPANS_FILE
    // (or the default under the project).
    // A control character in the path (a line break, a CRLF .env file's carriage return) is a TypeError of
    // startTracing's spansFile: here it is TRACEHOP_SPANS_FILE's, said as bad input with the library's words.
    const optionPrefix = "tracehop startTracing: options.spansFile ";
    if (err instanceof TypeError && err.message.startsWith(optionPrefix))
      exitForBadInput(`TRACEHOP_SPANS_FILE ${err.message.slice(optionPrefix.length)} from the variable`);
    const { code, reason } = err as { code?: unknown; reason?: unknown };
    if (code === "TRACEHOP_BAD_SPANS_FILE" && typeof reason === "string")
      exitForBadInput(
        `the spans file ${path} ${reason}: set TRACEHOP_SPANS_FILE to a file in a writable folder (missing folders are created)`,
      );
    throw err;
  }
}

/**
 * Why a process ends on its own ({@link onShutdownSignal}'s `shutdown(code, ending)`): `why` its reason
 * (`amqp queue: the connection to RabbitMQ was closed: …`), `after` what its last line adds after the code
 * (` (message 7 in hand, delivered again)`), if anything.
 */
export interface OwnEnding {
  why: string;
  after?: string;
}

/**
 * Runs `stop` once on SIGTERM/SIGINT (or when the orchestrator that started this process with an IPC
 * channel goes away), then exits 0 (1 if `stop` throws, said in a last line). A stop on a signal says so
 * last, with the code, as `npm start` says its own: `tracehop preprocess: relay: stopped on SIGTERM: exiting
 * with code 0` (0: a supervisor's SIGTERM is the ordinary end of a service, not a failure; docs/example.md "Exit
 * codes"). One whose orchestrator went away says nothing: nobody reads its stderr. Returns `shutdown(code,
 * ending)`, which runs the same `stop` and exits with `code`: for a process that must end on its own (its
 * queue lost), `ending` saying why. Whichever comes first runs `stop`; a later `shutdown(code)` with a code
 * other than 0 makes that the exit code.
 *
 * The line that says how the process ends is its last: written once `stop` has settled, right before the
 * exit, so that no line of the stop (a handler cut short, the queue closing, a span export that failed)
 * comes after it. A process ending on its own says `ending` there, with the code (config.ts endingLine):
 * `tracehop preprocess: worker: amqp queue: the connection to RabbitMQ was closed: …; exiting with code 1 to
 * be started again (message 7 in hand, delivered again)`. Before, that line was said when the process began
 * to end, and the lines of its stop followed it (a handler that ended after the loss of the broker).
 *
 * A SIGTERM or SIGINT while a stop that a signal began runs (a second Ctrl-C, a supervisor's second TERM: a
 * stop that waits on a server that stopped answering) exits at once, without waiting for `stop`, with the
 * code a shell gives a process killed by that signal (143 for SIGTERM, 130 for SIGINT), said in one line:
 * `tracehop preprocess: relay: SIGTERM while stopping: exiting at once with code 143`. Spans not yet flushed
 * are lost then. A stop that began otherwise (`shutdown(code)`: the queue lost; the orchestrator gone) is
 * already what a first signal asks for: that signal changes nothing but a line saying so (`tracehop
 * preprocess: worker: SIGTERM while ending on its own: finishing the stop (a second signal exits at once)`;
 * the process exits as its last line then says, spans flushed), and the one after it exits at once as above,
 * the line then starting with the `ending` not said yet (`tracehop preprocess: worker: amqp queue: …; SIGTERM
 * while stopping: exiting at once with code 143`), as does the line of a `stop` that failed.
 * `npm start` stops each of its processes with one SIGTERM when the run ends, one already ending on its own
 * among them (main.ts stopOnce); taken for a second signal, it made that process exit 143, its spans lost.
 */
export function onShutdownSignal(stop: () => Promise<void>): (code: number, ending?: OwnEnding) => void {
  let stopping = false;
  let exitCode = 0;
  /** Why the process ends on its own, if it does: said in its last line. */
  let ownEnding: OwnEnding | undefined;
  /** `tracehop preprocess: <name>: `, then the reason of {@link ownEnding} and `; ` when there is one. */
  const lastLineStart = () =>
    `tracehop preprocess: ${ownName()}: ${ownEnding === undefined ? "" : `${ownEnding.why}; `}`;
  /** The signal the stop began with; none when it began otherwise (`shutdown(code)`, the orchestrator gone). */
  let stoppedBy: "SIGINT" | "SIGTERM" | undefined;
  /** Whether a signal came while a stop that began otherwise ran: the next one exits at once. */
  let signalledWhileStopping = false;
  const shutdown = (code: number, ending?: OwnEnding) => {
    if (code !== 0) exitCode = code;
    // Started by `npm start`: told at once, so that it submits nothing more to this process, whose line
    // saying why it ends comes only once its stop is done.
    if (ending !== undefined && ownEnding === undefined && process.send !== undefined && process.connected)
      process.send(ENDING_MESSAGE, () => undefined);
    ownEnding ??= ending;
    if (stopping) return;
    stopping = true;
    stop().then(
      () => {
        if (ownEnding !== undefined)
          console.error(endingLine(ownName(), ownEnding.why, exitCode, ownEnding.after));
        else if (stoppedBy !== undefined) console.error(stoppedLine(stoppedBy, exitCode, ownName()));
        process.exit(exitCode);
      },
      (err: unknown) => {
        console.error(err);
        console.error(`${lastLineStart()}stopping failed (${firstLine(err)}): exiting with code 1`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: "SIGINT" | "SIGTERM") => {
    if (!stopping) {
      stoppedBy = signal;
      return shutdown(0);
    }
    if (stoppedBy === undefined && !signalledWhileStopping) {
      signalledWhileStopping = true;
      console.error(endingSignalLine(signal, ownName()));
      return;
    }
    const code = signalExitCode(signal);
    console.error(`${lastLineStart()}${signal} while stopping: exiting at once with code ${code}`);
    process.exit(code);
  };
  // Added before the start-up handlers are removed, never after: a signal is caught at once (libuv queues it
  // for the event loop) but its listeners are called later, and Node drops one whose signal had no listener
  // left in between (its handle closed with the last). The relay and the worker say READY right before this
  // call, and a SIGTERM sent as soon as that line was read (by `npm start`, by a test) came in between about
  // once in ten: the process ran on, its SIGTERM lost. Added first, the signal's handle stays, and a signal
  // caught before this call is dispatched to the handler added here.
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  if (startupStop !== undefined) {
    process.off("SIGTERM", startupStop.onSignal);
    process.off("SIGINT", startupStop.onSignal);
    process.off("disconnect", startupStop.onDisconnect);
    startupStop = undefined;
  }
  // Started by the orchestrator with an IPC channel: stop when it goes away, however it ended (gone
  // already: at once).
  if (process.send) {
    process.on("disconnect", () => shutdown(0));
    if (!process.connected) shutdown(0);
  }
  return shutdown;
}
