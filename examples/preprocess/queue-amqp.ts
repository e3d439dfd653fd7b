// The RabbitMQ queue of the main job (AMQP_URL set): the same small Queue interface as the embedded table
// queue, with amqplib. Messages are persistent on a durable queue and published on a confirm channel, so
// `publish` resolves only once the broker has taken the message; the worker acknowledges a message after
// its handler resolves, one message at a time (prefetch 1). A failed message is retried as the table
// queue retries it: counted, after a backoff, and dead-lettered after maxAttempts (see AmqpQueue), its
// copies published on a channel of their own, apart from the consumer's.
import { createHash, randomUUID } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { basename } from "node:path";
import amqplib from "amqplib";
import {
  BadInputError,
  UnreachableError,
  connectTimeoutMs,
  counted,
  firstLine,
  formatDuration,
  MAX_TIMER_MS,
  noAnswerWithin,
  notAnsweringAs,
  pause,
  quotedText,
  redact,
  SCHEME_SLASHES,
  surroundingWhiteSpace,
  say,
} from "./config.js";
import {
  backoffMs,
  type ConsumeOptions,
  deadLetterQueue,
  errorText,
  type LostQueueError,
  maxAttemptsLoweredError,
  MessageRefusedError,
  QueueLostError,
  QueueRefusedError,
  PermanentMessageError,
  queueNameError,
  queueOptions,
  reportDeadLetter,
  unacknowledgedError,
  type Queue,
  type QueueMessage,
  UnroutedMessageError,
} from "./queue.js";
import { urlTag } from "./pipeline.js";

/** Unacknowledged messages the broker hands one consumer at a time: one job at a time, as the table queue. */
const PREFETCH = 1;

/**
 * Header of the copies AmqpQueue publishes of a message (a retry, a dead letter, a message given back on
 * close): how many deliveries of the message ended without an acknowledgement, an AMQP integer. A
 * message without it (as the relay publishes it) had none; one with it but without the queue's
 * {@link ATTEMPTS_MARK_HEADER} is taken as one without it.
 */
export const ATTEMPTS_HEADER = "tracehop-attempts";
/**
 * Header that makes a message's {@link ATTEMPTS_HEADER} believed: AmqpQueue writes it on the copies it
 * publishes to its own queue or to a retry queue, and reads the count only where the mark is
 * {@link attemptsMark} of that queue, that message and that count. Anything else (no mark: a publisher's
 * message, a dead letter moved back by a shovel or by hand; a mark of another message, queue or count)
 * counts as no earlier attempt. Dead letters and redriven messages carry none.
 */
export const ATTEMPTS_MARK_HEADER = "tracehop-attempts-mark";
/**
 * Header of a retry or a dead letter: why its last delivery ended without an acknowledgement (the text
 * of the handler's error, {@link errorText}, or the queue's reason), at most
 * {@link LAST_ERROR_MAX_LENGTH} characters.
 */
export const LAST_ERROR_HEADER = "last-error";
/**
 * Longest `last-error` AmqpQueue writes, in characters (UTF-16 code units, so at most 6000 bytes of
 * UTF-8): a longer text is cut and ends in `…`. A copy whose headers do not fit
 * {@link HEADERS_TABLE_MAX_BYTES} with it carries it cut shorter still (halved until the copy fits).
 */
export const LAST_ERROR_MAX_LENGTH = 2_000;
/**
 * Largest headers table amqplib (2.x) publishes, in bytes of its AMQP field-table encoding, the 4-byte
 * length included: it encodes the headers into a buffer of this size and throws a RangeError, before
 * sending anything, when they do not fit (RabbitMQ's own frame limit, `frame_max`, 128 KiB by default,
 * is larger). One string header with a one-character name can be 65 525 bytes of UTF-8 then.
 */
export const HEADERS_TABLE_MAX_BYTES = 65_536;
/** Longest wait before a retry, in ms: 2 minutes, the table queue's cap with its default lease. */
export const MAX_RETRY_DELAY_MS = 2 * 60_000;
/**
 * Pause before a message whose copy could not be published (the broker refused it) is requeued the first
 * time, in ms: the broker delivers it again at once (to the head of the queue), and a target that keeps
 * refusing would otherwise loop. Doubled at each further requeue of the same message in a row, at most
 * {@link REQUEUE_PAUSE_MAX_MS}: a dead-letter queue that refuses for good (full, or the body over the broker's
 * max_message_size) was met once a second, forever, each time with a log line and two channels opened.
 */
export const REQUEUE_PAUSE_MS = 1_000;
/**
 * Longest pause before a message is requeued ({@link REQUEUE_PAUSE_MS}), in ms: the consumer holds the
 * message while it waits and takes no other (prefetch 1), so the wait is bounded shorter than a retry's.
 */
export const REQUEUE_PAUSE_MAX_MS = 30_000;
/** amqplib's (2.x) error for a publish the broker answered with basic.nack. */
const AMQPLIB_NACKED = "message nacked";
/** Why a copy the broker nacked was not published, as the log says it (a nack gives no reason). */
const NACKED =
  "the broker refused it with a basic.nack, which gives no reason: a queue at its max-length that rejects publishes, for one";
/** Messages this queue requeued itself that it remembers (their count and last error), at most. */
const REMEMBERED_MAX = 1_000;
/** Headers RabbitMQ adds when it dead-letters or redelivers a message: left off a copy. */
const BROKER_HEADERS: ReadonlySet<string> = new Set([
  "x-death",
  "x-first-death-exchange",
  "x-first-death-queue",
  "x-first-death-reason",
  "x-last-death-exchange",
  "x-last-death-queue",
  "x-last-death-reason",
  "x-delivery-count",
]);

/**
 * Options of {@link AmqpQueue}, a plain object: the table queue's options that a broker's queue has, with
 * the same names, defaults and ranges. Anything else given as the options, a misspelt name or a value out
 * of range is a TypeError that says what it got.
 */
export interface AmqpQueueOptions {
  /**
   * Deliveries of a message in all, the first included (default 5; a positive integer). A message whose
   * handler failed this many times is moved to the dead-letter queue `<RabbitMQ name>.dead`.
   */
  maxAttempts?: number;
  /**
   * Wait before the delivery that follows a handler failure, in milliseconds (default 1 s; >= 0 and
   * <= 2147483647): doubled after each further failure, never more than {@link MAX_RETRY_DELAY_MS},
   * rounded up to a whole millisecond (RabbitMQ's TTLs are whole milliseconds).
   */
  retryDelayMs?: number;
}

/** What a refused or failed connection to AMQP_URL is answered with, after its reason. */
const OR_UNSET = "or unset AMQP_URL to use the embedded queue";

/**
 * Connects to RabbitMQ at `url` (AMQP_URL: `amqp[s]://user:password@host:port/vhost`) with amqplib's
 * `socketOptions`, for every entry point of the example (`npm start`'s check, the worker, the relay), so
 * that each says the same about a bad AMQP_URL.
 *
 * The connection is given `timeoutMs` milliseconds in all (default TRACEHOP_CONNECT_TIMEOUT_MS, 10 s:
 * config.ts connectTimeoutMs), from the socket's connect to the end of the AMQP opening handshake
 * (connection.open-ok): a host that accepts TCP and never speaks AMQP, or one whose packets are dropped,
 * is answered with a BadInputError instead of a wait without end. amqplib's own `socketOptions.timeout`
 * cannot bound it: it is the socket's idle timeout (Node's `socket.setTimeout`), which a server that sends
 * a byte now and then never reaches. The deadline is an AbortSignal given to the socket (`signal`, with the
 * caller's own one if `socketOptions` has one): at the deadline the socket is destroyed, whatever step the
 * handshake is in; its timer is cleared as the connection opens or fails, so nothing of it outlives the call.
 *
 * A server that closes the connection in the handshake is told apart by what came before the close
 * ({@link handshakeAnswered}): one that had answered as an AMQP broker (its connection.start, which amqplib
 * answered) is a broker lost mid-handshake (restarting, at its connection limit, a proxy cutting the
 * connection): an UnreachableError, transient; one that had not (another service, or one that closes at once)
 * is a wrong address: a BadInputError. Over TLS (amqps:) the socket is not seen (Node publishes the sockets
 * of net.connect, not of tls.connect), and such a close is said as a wrong address.
 *
 * The connection it resolves with has an 'error' listener from the moment it exists, which ignores the
 * error: amqplib (2.x) emits 'error' when the connection drops (`Unexpected close`, `read ECONNRESET`), and an
 * 'error' event without a listener ends the process with a stack trace, which a drop right after the handshake,
 * before the caller attached its own, did. Its 'close' event, which follows with the same error, says the loss;
 * callers that care listen to both.
 * @throws BadInputError `cannot connect to RabbitMQ at <url, password hidden>: <why>; <what to fix>, or
 *   unset AMQP_URL to use the embedded queue` ({@link amqpConnectProblem} says which, by kind; no answer
 *   within `timeoutMs`: {@link noAnswerProblem}); an UnreachableError (a BadInputError too) when the broker
 *   may come back: nothing listening, a reset, no answer in time, the connection closed in the handshake by a
 *   server that had answered as an AMQP broker, or by the broker's connection.close for now (320
 *   CONNECTION_FORCED: shutting down; 530 for a connection limit reached: {@link transientClose}, read
 *   back by {@link HandshakeBytes}).
 */
export async function connectAmqp(
  url: string,
  socketOptions: Record<string, unknown> = {},
  timeoutMs = connectTimeoutMs(),
): Promise<amqplib.ChannelModel> {
  const parsed = parseAmqpUrl(url);
  if (typeof parsed === "string")
    throw new BadInputError(`cannot connect to RabbitMQ at ${redact(url.trim())}: ${parsed}, ${OR_UNSET}`);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), Math.min(timeoutMs, MAX_TIMER_MS));
  const own = socketOptions.signal;
  const signal = own instanceof AbortSignal ? AbortSignal.any([own, deadline.signal]) : deadline.signal;
  // Given to net.connect or tls.connect with the rest (amqplib copies every option; its types omit `signal`).
  const options: Record<string, unknown> = { ...socketOptions, signal };
  // The TCP socket amqplib opens, seen as Node creates it (net.connect publishes it on the channel
  // `net.client.socket`, synchronously; amqplib calls net.connect within connect's synchronous part, so the
  // one socket created while subscribed is this connection's). None over TLS: tls.connect publishes nothing.
  let socket: Socket | undefined;
  const read = new HandshakeBytes();
  const onSocket = (message: unknown) => {
    if (socket !== undefined) return;
    socket = (message as { socket?: Socket }).socket;
    if (socket !== undefined) read.watch(socket);
  };
  subscribe("net.client.socket", onSocket);
  let opening: Promise<amqplib.ChannelModel>;
  try {
    opening = amqplib.connect(url, options);
  } finally {
    unsubscribe("net.client.socket", onSocket);
  }
  try {
    const connection = await opening;
    // Attached in the continuation of amqplib's resolve, before any socket event can run.
    connection.on("error", () => undefined);
    return connection;
  } catch (err) {
    const dropped = handshakeDropped(err, socket);
    const close = dropped || deadline.signal.aborted ? undefined : transientClose(read.connectionClose());
    const problem = deadline.signal.aborted
      ? noAnswerProblem(parsed, timeoutMs)
      : dropped
        ? `the broker at ${amqpAddress(parsed)} closed the connection during the AMQP handshake, after answering as an AMQP broker (${firstLine(err)}): it may be restarting or at its connection limit, or something between cut the connection; try again, and see the broker's log if it persists`
        : close !== undefined
          ? `the broker at ${amqpAddress(parsed)} closed the connection during the AMQP handshake (${close.said}): ${close.meaning}; try again, and see the broker's log if it persists`
          : amqpConnectProblem(parsed, err);
    // Nothing listening, reset, no answer, a broker gone mid-handshake or closing it for now (shutting down,
    // at its connection limit): it may come back.
    const Refusal =
      deadline.signal.aborted || dropped || close !== undefined || isUnreachable(err)
        ? UnreachableError
        : BadInputError;
    throw new Refusal(`cannot connect to RabbitMQ at ${redact(url)}: ${problem}, ${OR_UNSET}`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
    read.unwatch();
  }
}

/** Bytes of the handshake {@link HandshakeBytes} keeps, at most: RabbitMQ's connection.start is about 500. */
const HANDSHAKE_BYTES_KEPT = 16_384;

/**
 * The first bytes amqplib (2.x) reads from a connection's TCP socket in its opening handshake, kept so that
 * a connection.close the server sent then can be read back: amqplib's error for one sent in answer to
 * connection.open (`Expected ConnectionOpenOk; got <ConnectionClose channel:0>`) keeps neither its reply
 * code nor its text. Seen through the socket's own `read`, which amqplib calls to take each chunk (it reads
 * on 'readable'): wrapped on that one socket, passing every call through unchanged, and put back once the
 * handshake is over. Not a 'data' listener, which would switch the socket to flowing mode under amqplib's
 * reads.
 */
class HandshakeBytes {
  private _socket: Socket | undefined;
  private _kept = Buffer.alloc(0);

  /** Starts keeping what amqplib reads from `socket`. */
  watch(socket: Socket): void {
    this._socket = socket;
    const read = socket.read;
    socket.read = (size?: number): unknown => {
      const chunk: unknown = read.call(socket, size);
      if (Buffer.isBuffer(chunk) && this._kept.length < HANDSHAKE_BYTES_KEPT)
        this._kept = Buffer.concat([this._kept, chunk]).subarray(0, HANDSHAKE_BYTES_KEPT);
      return chunk;
    };
  }

  /** Stops: the socket's `read` is its prototype's again. */
  unwatch(): void {
    if (this._socket !== undefined) delete (this._socket as { read?: unknown }).read;
    this._socket = undefined;
  }

  /**
   * The reply code and text of the first connection.close (class 10, method 50) among the frames read, if
   * any: AMQP 0-9-1 frames, type(1) channel(2) size(4) payload(size) end(1); a method frame's payload is
   * class(2) method(2), then connection.close's reply-code (short) and reply-text (shortstr).
   */
  connectionClose(): { code: number; text: string } | undefined {
    const bytes = this._kept;
    for (let at = 0; at + 7 <= bytes.length;) {
      const size = bytes.readUInt32BE(at + 3);
      const end = at + 7 + size;
      if (end >= bytes.length) return undefined;
      const payload = bytes.subarray(at + 7, end);
      if (
        bytes[at] === 1 &&
        payload.length >= 7 &&
        payload.readUInt16BE(0) === 10 &&
        payload.readUInt16BE(2) === 50
      ) {
        const length = payload[6]!;
        return { code: payload.readUInt16BE(4), text: payload.subarray(7, 7 + length).toString("utf8") };
      }
      at = end + 1;
    }
    return undefined;
  }
}

/**
 * What a connection.close the broker sent in the opening handshake says, when it closes the connection for
 * now rather than for a fault of AMQP_URL: 320 CONNECTION_FORCED (the broker shutting down or restarting), 530
 * NOT_ALLOWED for a connection limit reached (RabbitMQ's `connection limit (N) is reached`, of the vhost or the
 * user: others hold the connections). `said` is the code and RabbitMQ's text, `meaning` what it means. Else
 * undefined (a vhost that does not exist or that the user may not use: {@link amqpConnectProblem}).
 */
function transientClose(
  close: { code: number; text: string } | undefined,
): { said: string; meaning: string } | undefined {
  if (close === undefined) return undefined;
  const said = `${close.code} ${close.text}`;
  if (close.code === 320) return { said, meaning: "it is shutting down or restarting" };
  if (close.code === 530 && /connection limit \(\d+\) is reached/.test(close.text))
    return {
      said,
      meaning:
        "the virtual host or the user is at its connection limit (close other connections, or raise the limit: rabbitmqctl set_vhost_limits, set_user_limits)",
    };
  return undefined;
}

/**
 * Closes `connection` (connection.close, then the broker's close-ok). Resolves once it is closed, also when it
 * drops meanwhile or was closed before: amqplib (2.x) settles its close() only on the broker's close-ok, so a
 * connection lost after connection.close was sent left that wait without end. Never rejects.
 */
export function closeAmqp(connection: amqplib.ChannelModel): Promise<void> {
  return new Promise<void>((resolve) => {
    connection.once("close", () => resolve());
    connection.close().then(resolve, () => resolve());
  });
}

/**
 * What AmqpQueue.open throws when its channel could not be set up (channel.open, confirm.select, basic.qos) on
 * a connection to `url` that had opened:
 * - the connection lost meanwhile (`dropped`, its error: a broker restarting, the network cut right after the
 *   handshake): an UnreachableError, transient as a broker that cannot be reached (the relay and the worker
 *   exit 1, to be started again: config.ts exitOnStartFailure);
 * - else the broker refused the channel (closed it with `error`): a BadInputError (exit 2) saying so.
 */
function channelProblem(url: string, dropped: unknown, error: unknown): BadInputError {
  const where = `cannot connect to RabbitMQ at ${redact(url)}`;
  if (dropped !== undefined)
    return new UnreachableError(
      `${where}: the connection was lost while its channel opened (${firstLine(dropped)}): the broker may be restarting; start it, or fix the host or port in AMQP_URL, ${OR_UNSET}`,
      { cause: error },
    );
  return new BadInputError(
    `${where}: RabbitMQ refused to open a channel (${firstLine(error)}): see the broker's log, ${OR_UNSET}`,
    { cause: error },
  );
}

/**
 * Opens a confirm channel on `connection` (channel.open, then confirm.select), `onError` its 'error' listener
 * from the moment the channel exists: amqplib (2.x) creates it inside createConfirmChannel, and a broker that
 * closes it with an error before that resolves (in answer to channel.open or confirm.select) emits 'error' on
 * it, which without a listener ended the process with a stack trace. The channel is found as amqplib
 * registers it, synchronously within the call (`ChannelModel.connection.channels`, its own, untyped); were that
 * not there, the listener is attached once the channel is open.
 */
async function openConfirmChannel(
  connection: amqplib.ChannelModel,
  onError: (error: unknown) => void,
): Promise<amqplib.ConfirmChannel> {
  const before = channelsOf(connection);
  const opening = connection.createConfirmChannel();
  const fresh = [...channelsOf(connection)].filter((c) => !before.has(c));
  for (const channel of fresh) channel.on("error", onError);
  const channel = await opening;
  if (!fresh.includes(channel)) channel.on("error", onError);
  return channel;
}

/** The channels amqplib (2.x) has registered on `connection` (`connection.channels`: `{ channel }` or null). */
function channelsOf(connection: amqplib.ChannelModel): Set<amqplib.Channel> {
  const { connection: inner } = connection as unknown as { connection?: { channels?: unknown } };
  const entries = Array.isArray(inner?.channels) ? (inner.channels as unknown[]) : [];
  return new Set(
    entries
      .map((entry) => (entry as { channel?: amqplib.Channel } | null | undefined)?.channel)
      .filter((channel): channel is amqplib.Channel => channel !== undefined),
  );
}

/**
 * What the example says when RabbitMQ closed a channel with `error` (amqplib's channel 'error': `code` the
 * reply code, `classId` / `methodId` the method it answers) in refusal of a queue: a queue.declare (50.10) or
 * a basic.consume (60.20) answered 406 PRECONDITION_FAILED (the queue exists with other arguments: RabbitMQ
 * refuses to declare a queue again with others, its `inequivalent arg`) or 403 ACCESS_REFUSED (the user may
 * not configure, write or read it in the vhost; another connection's exclusive queue or consumer holds it):
 * `RabbitMQ refused the queue <name> (<code> <RabbitMQ's text>): <what to fix>`, the queue named as RabbitMQ's
 * text names it; and a basic.publish (60.40) answered 403 ACCESS_REFUSED (the user may not write to the
 * default exchange: every publish would be refused). Undefined for any other error: a channel error of
 * another method (an unknown delivery tag, a bug) is a loss of the queue that a restart mends, as the loss of
 * the connection is.
 */
export function queueRefusal(error: unknown): string | undefined {
  const { code, classId, methodId, message } = (error ?? {}) as {
    code?: unknown;
    classId?: unknown;
    methodId?: unknown;
    message?: unknown;
  };
  const declare = classId === 50 && methodId === 10;
  const consume = classId === 60 && methodId === 20;
  const publish = classId === 60 && methodId === 40;
  if (typeof message !== "string") return undefined;
  // amqplib: `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - …"`.
  const said = /with message "(.*)"$/s.exec(message)?.[1] ?? message;
  // A publish refused for want of the write permission on the exchange it goes through (the default one):
  // every publish of the relay would be.
  if (publish && code === 403) {
    const exchange = /exchange '(.*)' in vhost/s.exec(said)?.[1];
    return `RabbitMQ refused to let the user of AMQP_URL publish (${code} ${firstLine(said)}): grant the user write permission on the exchange ${exchange ?? "amq.default"} (rabbitmqctl set_permissions), or use another user in AMQP_URL`;
  }
  if (!(declare || consume) || (code !== 406 && code !== 403)) return undefined;
  const name = /queue '(.*)' in vhost/s.exec(said)?.[1];
  const what = `RabbitMQ refused the ${name === undefined ? "queue" : `queue ${name}`} (${code} ${firstLine(said)})`;
  if (code === 406)
    return `${what}: it exists with other arguments (declared by another program, or by hand): delete it (its messages go with it) or set TRACEHOP_QUEUE to another name`;
  return `${what}: the user of AMQP_URL may not ${declare ? "declare" : "consume"} it, or another connection holds it exclusively: grant the user configure, write and read permission on it (rabbitmqctl set_permissions), stop that connection's consumer, or set TRACEHOP_QUEUE to another name`;
}

/** What the broker said of a message it refused ({@link messageRefusal}), and what to change. */
export interface MessageRefusal {
  /** The broker's code and text: `406 PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096`. */
  reason: string;
  /** What to change so that the message is taken. */
  fix: string;
}

/**
 * What the example says when RabbitMQ closed a channel with `error` (amqplib's channel 'error') in refusal of
 * a message rather than of its queue or its user: a basic.publish (60.40) answered 406 PRECONDITION_FAILED.
 * RabbitMQ checks the message there, chiefly its body against `max_message_size` (rabbit_channel
 * check_msg_size: `message size N is larger than configured max size M`, or `… than max size M` at the
 * hard limit of 512 MiB); the same message would be refused again, the next ones may well be taken.
 * Undefined for any other error (a 403 on a publish is the user's permission: {@link queueRefusal}).
 */
export function messageRefusal(error: unknown): MessageRefusal | undefined {
  const { code, classId, methodId, message } = (error ?? {}) as {
    code?: unknown;
    classId?: unknown;
    methodId?: unknown;
    message?: unknown;
  };
  if (code !== 406 || classId !== 60 || methodId !== 40 || typeof message !== "string") return undefined;
  const said = firstLine(/with message "(.*)"$/s.exec(message)?.[1] ?? message);
  const reason = `${code} ${said}`;
  const size = /message size (\d+) is larger than (configured )?max size (\d+)/.exec(said);
  if (size === null)
    return { reason, fix: "change the message or the broker's setting that refuses it (see its text)" };
  if (size[2] === undefined)
    return { reason, fix: `make the message smaller: RabbitMQ takes no message over ${size[3]} bytes` };
  return {
    reason,
    fix: `raise the broker's max_message_size (rabbitmq.conf) to ${size[1]} bytes or more, or make the message smaller`,
  };
}

/** The `host:port` an AMQP URL `parsed` ({@link parseAmqpUrl}) connects to, with amqplib's default port. */
function amqpAddress(parsed: URL): string {
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === "amqps:" ? 5671 : 5672)}`;
}

/**
 * What {@link connectAmqp} says when the connection to the AMQP URL `parsed` did not open within
 * `timeoutMs`: the TCP connection or the AMQP handshake got no answer (a port where another service
 * listens and waits for its own protocol, such as an HTTP server waiting for a request line that the AMQP
 * protocol header never completes; a host or firewall that drops the packets). What to fix: the host or
 * the port (RabbitMQ's AMQP ports, 5672 and 5671 for TLS; 15672, its management UI, is a usual slip), the
 * broker, or the timeout.
 */
function noAnswerProblem(parsed: URL, timeoutMs: number): string {
  return (
    `${noAnswerWithin(amqpAddress(parsed), timeoutMs, "AMQP")}: fix the host or port in AMQP_URL (RabbitMQ's ` +
    `AMQP port: 5672, 5671 for amqps:; 15672 is its management UI), start the broker or raise ` +
    `TRACEHOP_CONNECT_TIMEOUT_MS`
  );
}

/** What {@link parseAmqpUrl} says of a `/`, `?` or `#` in the user part, which ends the host early. */
const USER_PART_UNENCODED =
  "its user or password holds a / ? or # (percent-encode them as %2F %3F %23): fix the user or password in AMQP_URL";
/** The URL form amqplib reads, for an error message. */
const AMQP_URL_FORM = "amqp://user:password@host:port/vhost";

/**
 * The AMQP URL `url` as the WHATWG URL parser reads it, when amqplib can try it; else what is wrong with
 * it before any connection, as a reason and what to fix. amqplib (2.x) reads `url` with that parser and
 * takes a text it refuses for a URL without a scheme, so its own error would name no part.
 * - white space before or after the URL ({@link surroundingWhiteSpace});
 * - not a URL: which part, where it can be told — no `scheme://`, a `/`, `?` or `#` in the user or
 *   password (unencoded), a port that is not a number from 0 to 65535, else a character the parser
 *   refuses; none of the text is shown (where its password ends cannot be told);
 * - a scheme other than `amqp:` or `amqps:`;
 * - no host (`amqp:///vhost`: amqplib would connect to localhost).
 * Query parameters amqplib refuses (`heartbeat=x`) are said when it refuses them ({@link amqpConnectProblem}).
 */
function parseAmqpUrl(url: string): URL | string {
  // Before the scheme test, which a leading space fails although the scheme is there.
  const space = surroundingWhiteSpace("AMQP_URL", url);
  if (space !== undefined) return space;
  // (Before the parser, which reads `guest:secret@host` as the scheme `guest:`: nothing of it is shown.)
  const scheme = SCHEME_SLASHES.exec(url);
  if (scheme === null) return `AMQP_URL is not a URL (no scheme://): write it as ${AMQP_URL_FORM}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Nothing of the text is shown: where its password ends cannot be told.
    const rest = url.slice(scheme[0].length);
    const authority = /^[^/?#]*/.exec(rest)![0];
    // An "@" after the authority's end: a "/", "?" or "#" in the user part ended it early.
    if (rest.slice(authority.length).includes("@")) return USER_PART_UNENCODED;
    const port = /:([^:\]@]*)$/.exec(authority.slice(authority.lastIndexOf("@") + 1))?.[1];
    if (port !== undefined && port !== "" && !(/^[0-9]+$/.test(port) && Number(port) <= 65_535))
      return `the port of AMQP_URL${/^[0-9]+$/.test(port) ? ` (${port})` : ""} is not a number from 0 to 65535: fix the port in AMQP_URL`;
    return `AMQP_URL is not a URL: fix it to ${AMQP_URL_FORM} (a character other than letters, digits and - . _ ~ in the user or password percent-encoded)`;
  }
  if (parsed.protocol !== "amqp:" && parsed.protocol !== "amqps:")
    return `the scheme of AMQP_URL is ${parsed.protocol}, not amqp: or amqps: — fix the scheme in AMQP_URL`;
  if (parsed.hostname === "") return `AMQP_URL names no host: fix it to ${AMQP_URL_FORM}`;
  // The parser found no user part although there is an "@": a "/", "?" or "#" in it ended the host early.
  if (parsed.username === "" && parsed.password === "" && url.includes("@")) return USER_PART_UNENCODED;
  return parsed;
}

/** Bytes of the AMQP 0-9-1 protocol header, the first thing amqplib writes on a connection. */
const PROTOCOL_HEADER_BYTES = 8;

/**
 * Whether amqplib had answered the server's connection.start on `socket` (the TCP socket of the connection,
 * undefined when it was not seen: over TLS): it writes nothing after the 8-byte protocol header until it has
 * read a whole, valid connection.start frame on channel 0 offering its SASL mechanism, and then writes
 * connection.start-ok at once (lib/connection.js `open`). So more than those 8 bytes written
 * (`socket.bytesWritten`, which counts what was handed to the socket, kept after it closed) means the server
 * at the address had answered as an AMQP broker; a server of another protocol, or one that closes without a
 * byte, never gets there.
 */
function handshakeAnswered(socket: Socket | undefined): boolean {
  return socket !== undefined && socket.bytesWritten > PROTOCOL_HEADER_BYTES;
}

/**
 * Whether amqplib's connect failure `err` is the connection closed or reset by the server in the opening
 * handshake (`Socket closed abruptly during opening handshake`, ECONNRESET, EPIPE) after the server had
 * answered as an AMQP broker on `socket` ({@link handshakeAnswered}): RabbitMQ restarting, at a connection
 * limit, or a proxy or load balancer cutting the connection; transient, not a wrong address. A close after
 * anything else amqplib refuses (a frame it cannot read) is not.
 */
function handshakeDropped(err: unknown, socket: Socket | undefined): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const closed =
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    /^Socket closed abruptly during opening handshake$/.test(firstLine(err));
  return closed && handshakeAnswered(socket);
}

/** Node's socket error codes of a broker that cannot be reached now (see {@link isUnreachable}). */
const UNREACHABLE_CODES: ReadonlySet<unknown> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether amqplib's connect failure `err` is a network failure (a broker down, restarting, or a network
 * partition) rather than a wrong URL, login or option: nothing listening, a connection reset or timed out,
 * no route to the host.
 */
function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return UNREACHABLE_CODES.has(code) || /^connect ETIMEDOUT$/.test(firstLine(err));
}

/**
 * Why the connection amqplib (2.x) refused with `err` to the AMQP URL `parsed` ({@link parseAmqpUrl})
 * failed, and what in AMQP_URL or the broker to fix, by kind (amqplib's error texts and Node's socket
 * error codes):
 * - nothing listening (ECONNREFUSED), no answer (ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, amqplib's
 *   `connect ETIMEDOUT`): start the broker, or fix the host or port;
 * - a host name not found (ENOTFOUND, EAI_AGAIN): fix the host;
 * - a server that does not speak AMQP there (it closes the socket in the handshake before any
 *   connection.start, or sends what is no AMQP frame), or TLS refused (amqps: to a plain port): fix the port
 *   or the scheme (a broker that closes it after its connection.start is said by {@link connectAmqp});
 * - the login refused (`403 (ACCESS-REFUSED)`: a wrong user or password; RabbitMQ's `guest` may log in
 *   from localhost only, by default): fix the user or password — the password is never shown;
 * - the vhost refused (the broker closes the connection in answer to connection.open: RabbitMQ's 530
 *   NOT_ALLOWED, for a vhost that does not exist or that the user may not use; amqplib keeps neither
 *   its code nor its text): fix the vhost;
 * - a query parameter amqplib refuses (`heartbeat=x`: a TypeError naming the field; `heartbeat=-5`: a
 *   RangeError naming the value only): fix it;
 * - anything else: amqplib's first line, and check AMQP_URL and the broker.
 */
function amqpConnectProblem(parsed: URL, err: unknown): string {
  const text = firstLine(err);
  const code = (err as { code?: unknown } | null)?.code;
  const host = parsed.hostname;
  const where = amqpAddress(parsed);
  const user =
    parsed.username === "" && parsed.password === "" ? "guest" : decodeURIComponentOr(parsed.username);
  if (code === "ECONNREFUSED")
    return `nothing listens at ${where} (ECONNREFUSED): start the broker, or fix the host or port in AMQP_URL`;
  if (code === "ECONNRESET" || code === "EPIPE")
    return `${where} closed the connection (${code}): the broker may be restarting; start it, or fix the host or port in AMQP_URL`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return `the host ${quotedText(host)} is not found (${code}): fix the host in AMQP_URL`;
  if (
    code === "ETIMEDOUT" ||
    code === "EHOSTUNREACH" ||
    code === "ENETUNREACH" ||
    /^connect ETIMEDOUT$/.test(text)
  )
    return `no answer from ${where} (${typeof code === "string" ? code : "ETIMEDOUT"}): start the broker, or fix the host or port in AMQP_URL`;
  if (/ACCESS[-_]REFUSED/.test(text)) {
    const loopback = /^(localhost|127\.[0-9.]+|\[::1\])$/.test(host);
    return `RabbitMQ refused the login of user ${quotedText(user)} (403 ACCESS_REFUSED): fix the user or password in AMQP_URL${
      user === "guest" && !loopback ? " (RabbitMQ lets guest log in from localhost only, by default)" : ""
    }`;
  }
  if (/^Expected ConnectionOpenOk; got <ConnectionClose/.test(text)) {
    const path = parsed.pathname.slice(1);
    const vhost = path === "" ? "/" : decodeURIComponentOr(path);
    return `RabbitMQ refused the virtual host ${quotedText(vhost)} (530 NOT_ALLOWED: it does not exist, or user ${quotedText(user)} may not use it): fix the vhost in AMQP_URL (the path after host:port, percent-encoded; none for the default vhost "/")`;
  }
  const field = /^Field '([^']+)' is the wrong type|^(maxFrameSize) must be/.exec(text);
  if (field !== null) {
    const name = field[1] ?? field[2]!;
    return `its query parameter ${name} is not a number (${text}): fix ${name} in AMQP_URL`;
  }
  // A negative heartbeat, channelMax or frameMax: amqplib writes it into the handshake's tune-ok frame, and
  // Node's buffer refuses it with the range but not the field; named from the value it received.
  const outOfRange = code === "ERR_OUT_OF_RANGE" ? /It must be (.+)\. Received (-?[\d_]+)$/.exec(text) : null;
  if (outOfRange !== null) {
    const received = outOfRange[2]!.replaceAll("_", "");
    const name = ["heartbeat", "channelMax", "frameMax"].find(
      (field) => parsed.searchParams.get(field)?.trim() === received,
    );
    if (name !== undefined)
      return `its query parameter ${name}=${received} is out of range (it must be ${outOfRange[1]}): fix ${name} in AMQP_URL`;
  }
  if (typeof code === "string" && /^ERR_SSL_|^EPROTO$/.test(code))
    return `the TLS handshake with ${where} failed (${text}): amqps: needs the broker's TLS port (5671 by default); fix the port, or the scheme to amqp: for a plain one, in AMQP_URL`;
  if (
    /^Socket closed abruptly during opening handshake|^Frame size \d+ exceeds|^Unexpected close|^Expected connection\./.test(
      text,
    )
  )
    return `${notAnsweringAs(where, "an AMQP broker", text)}: fix the host or port in AMQP_URL`;
  return `${text}: check AMQP_URL and that the broker runs`;
}

/** `text` percent-decoded, or as it is when it is no valid percent-encoding. */
function decodeURIComponentOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The queue where a failed message of the RabbitMQ queue `queue` waits `delayMs` milliseconds before the
 * broker moves it back to `queue`: `<queue>.retry.<delayMs>ms`.
 */
export const retryQueue = (queue: string, delayMs: number): string => `${queue}.retry.${delayMs}ms`;

/**
 * A RabbitMQ queue behind the main job's Queue interface.
 *
 * The broker is shared by every run and machine that points at it, while the embedded queue lives in
 * the run's own database. To keep that meaning, the queue `jobs` of a database is the RabbitMQ queue
 * `jobs.<tag>`, where `<tag>` is the database's own tag, stored in it (pipeline.ts queueTag): runs on
 * different databases never take each other's messages, and every process on the same database, whatever
 * DATABASE_URL text it was given, uses the same queue and finds the messages a stopped worker left.
 * `destination(name)` gives that RabbitMQ name, for `messaging.destination.name`.
 *
 * Failures, as the table queue bounds them ({@link AmqpQueueOptions}):
 * - every delivery is counted: `QueueMessage.deliveryCount` is the message's {@link ATTEMPTS_HEADER}
 *   plus one, plus one when the broker redelivers it (a consumer that died or lost its channel with it
 *   unacknowledged: `redelivered`, in a classic queue as in a quorum queue). Such a message is first
 *   republished with that delivery in its count (to the tail of the queue) and handled from the copy,
 *   so no copy is redelivered twice — a message that kills every consumer is dead-lettered after
 *   `maxAttempts` like one whose handler fails. The count is read only from this queue's own copies,
 *   which carry its {@link ATTEMPTS_MARK_HEADER} ({@link attemptsMark}: tied to the queue, the message
 *   id and the count; its limits are said there); a count without it (a publisher's, one copied with the
 *   headers of a consumed message, a dead letter's moved back by a shovel) counts as none, so such a
 *   message is handled from delivery 1 instead of being dead-lettered unhandled. `x-delivery-count` (a
 *   quorum queue's) is never read, as any publisher can set it, and is left off every copy
 *   ({@link BROKER_HEADERS});
 * - a message whose handler fails is acknowledged and a copy published (same body, headers — the trace
 *   context among them, so the retry's process span continues the same trace — and message id) with
 *   the count and `last-error`, into the retry queue of its delay ({@link retryQueue}): `retryDelayMs`
 *   doubled per failure, at most {@link MAX_RETRY_DELAY_MS}. A retry queue has a queue TTL of its
 *   delay and dead-letters expired messages through the default exchange back to the queue. One retry
 *   queue per delay, because RabbitMQ expires messages only at the head of a queue: a message with a
 *   1 s TTL behind one with 8 s in the same queue would wait the 8 s. A zero delay republishes straight
 *   to the queue (its tail). The main queue keeps no queue arguments: RabbitMQ refuses to redeclare an
 *   existing queue (of an earlier run) with new ones;
 * - once `maxAttempts` deliveries have ended without an acknowledgement, the message is moved to
 *   `<RabbitMQ name>.dead` ({@link deadLetterQueue}): a copy with the count and `last-error` (for a
 *   message whose last delivery's consumer died: `not acknowledged: …`, with the handler's last error
 *   kept), then the original acknowledged;
 * - a copy whose marked count has already reached `maxAttempts` (maxAttempts lowered while it waited
 *   for its retry or was given back on close; or queued by a consumer with a higher maxAttempts) is moved
 *   to `<RabbitMQ name>.dead` at once, unhandled, its `last-error` saying so with the numbers
 *   ({@link maxAttemptsLoweredError}): no message is delivered more often than the limit of the queue
 *   that delivers it;
 * - a message whose handler throws a {@link PermanentMessageError} (a malformed message) is moved to
 *   `<RabbitMQ name>.dead` at once, with the count and that error as `last-error`, logged in one line;
 * - a handler that fails while the queue is closing (the worker stopped mid-job) gives its message back
 *   at once, that delivery not counted: a copy at the tail of the queue with the count it came with;
 *   said in one line as a stop (`amqp queue: closing: message … of … given back uncounted (its handler
 *   ended with: …)`), not as a handler failure.
 * The copy is published (and confirmed) before the original is acknowledged: at least once.
 * - A copy must fit amqplib's headers table ({@link HEADERS_TABLE_MAX_BYTES}). Where the message's own
 *   headers leave too little room, its `last-error` is cut (halved until the copy fits, then left out);
 *   its count never is: a retry, or a redelivery, whose count does not fit is dead-lettered at once
 *   with the reason (it could not be counted, so it could come back forever). A dead letter that does
 *   not fit with its count carries the message's headers as they were (they fit: the message was
 *   published with them), the reason then only in the log; as a last resort (headers from a client
 *   with a larger limit) only the count and `last-error`.
 * - When the broker refuses a copy (a nack: a queue that rejects publishes), a retry or a dead letter is
 *   requeued after a pause (never dropped): a second, doubled each time the same message is requeued
 *   again in a row, at most {@link REQUEUE_PAUSE_MAX_MS} (its delivery is held meanwhile: this consumer
 *   takes nothing else, and close() ends the wait); and this AmqpQueue remembers its count, last error and
 *   requeues by message id (the last {@link REMEMBERED_MAX}), so that its redelivery is neither counted as
 *   a death nor loses its reason; a redelivery whose count is refused is handled as it is, and a message
 *   given back on close is left to the broker (requeued when the channel closes, counted as a
 *   redelivery).
 * - Every copy is published on a confirm channel of its own (opened by consume() and redrive()), apart
 *   from the channel that consumes and acknowledges: RabbitMQ refuses a message for itself (larger than
 *   its `max_message_size`: {@link messageRefusal}) by closing the channel it came on (406
 *   PRECONDITION_FAILED), which then closes no consumer. Such a copy is published once more on a fresh
 *   copy channel; refused again, a retry is moved to `<RabbitMQ name>.dead` at once (the same body would be
 *   refused on every retry), as any dead letter with its count and `last-error` (the handler's error, then
 *   the broker's reason and what to change: RabbitMQ weighs the body alone, so these headers do not make
 *   it refused), logged with the same (`…; its retry was refused by the broker (<reason>): <what to fix>;
 *   moved to <queue>.dead at once`); a dead letter refused so is requeued after the pause
 *   above (a second, then doubled), remembered as above; a redelivery's count or a redriven dead letter as for a nack. The
 *   original is acknowledged only once its copy is confirmed: nothing the broker took is lost.
 * - A lost channel or connection (a broker restart, a connection closed by an operator, a 406 channel
 *   error) ends the queue: nothing can be published or acknowledged any more, the messages in hand go
 *   back to the broker with the channel (never reported as requeued), nothing more is consumed, and
 *   {@link AmqpQueue.lost} resolves with the reason. It does not reconnect: its owner ends and is
 *   started again (the worker and the relay exit 1). Except a channel the broker closed in refusal of a
 *   published message itself (its size: {@link messageRefusal}) while the queue only publishes (no
 *   consumer, no redrive: the relay): that publish rejects with a MessageRefusedError, and the queue
 *   opens a new channel on its connection for the next ones, which the broker may well take.
 * Retry and dead-letter queues stay on the broker until deleted, as the queues do.
 */
export class AmqpQueue implements Queue {
  readonly system = "rabbitmq";
  /**
   * Resolves, once, with why the queue stopped working when its channel or connection closed without
   * close() (a broker restart or a connection closed by the broker, CONNECTION_FORCED; a lost socket; a
   * channel error such as a 406 PRECONDITION_FAILED on an ack): the message is `amqp queue: ` and the
   * broker's reason; `inHand` names the messages in hand then (their handler, ack, retry or dead letter
   * running), which went back to the broker with the channel; nothing more is consumed, and
   * publish() and consume() reject. Never settles when the queue is closed by close(). The worker and
   * the relay exit 1 on it, to be restarted (the queue does not reconnect). A channel closed in refusal of
   * one of its queues or of its consumer resolves it with a QueueRefusedError instead, saying what to fix
   * ({@link queueRefusal}): the worker and the relay exit 2 on that one. A channel closed in refusal of a
   * published message ({@link messageRefusal}) while the queue only publishes is no loss: see
   * {@link publish}; nor is the copy channel closed in refusal of a copy ({@link _copy}).
   */
  readonly lost: Promise<LostQueueError>;
  private _announceLost!: (error: LostQueueError) => void;
  private readonly _declared = new Set<string>();
  /** One per consume() call: close() cancels them all. */
  private readonly _consumerTags: string[] = [];
  /**
   * Deliveries whose handler or settlement is still running, with their message's label: close() waits
   * for them all; {@link lost} names them.
   */
  private readonly _inFlight = new Map<Promise<void>, string>();
  /** The consumer's {@link ConsumeOptions.onDeadLetter}. */
  private _onDeadLetter: ConsumeOptions["onDeadLetter"];
  private _closing = false;
  /** Whether the queue was lost by its connection (an 'error' or 'close' event of it, not in close()). */
  private _lostByConnection = false;
  /** Set while close() runs: told that the connection was lost then (its 'error' or 'close' with an error). */
  private _droppedWhileClosing: ((error: unknown) => void) | undefined;
  /** Aborted by close(): ends the pause before a message whose copy could not be published is requeued. */
  private readonly _closed = new AbortController();
  /**
   * Why the channel closed without close(), set as soon as it did (a channel or connection error, a
   * connection closed by the broker), else undefined: nothing can be published or settled then.
   */
  private _lost: string | undefined;
  /** The first reason an 'error' or 'close' event of that loss gave (a channel's 'close' gives none). */
  private _lossReason: string | undefined;
  /**
   * Set when the broker closed the channel in refusal of a queue ({@link queueRefusal}: what it says): the
   * loss is then announced as a {@link QueueRefusedError}.
   */
  private _refusal: string | undefined;
  /**
   * Messages this queue requeued itself because their copy could not be published, by message id: the
   * count and last error they should have had, so that their redelivery is neither counted as a death
   * nor loses its reason. At most {@link REMEMBERED_MAX} (the oldest forgotten first).
   */
  private readonly _requeued = new Map<string, Requeued>();
  /**
   * Deliveries that are the redelivery of a message this queue requeued itself ({@link _recall}): how many
   * times in a row it was requeued, for the pause before it is requeued again ({@link _requeue}).
   */
  private readonly _requeuesBefore = new WeakMap<amqplib.Message, number>();
  /** Message ids of {@link publish}'s messages the broker returned unrouted (basic.return), until publish reads them. */
  private readonly _returned = new Set<string>();

  /** Publishes waiting for their confirm, on the channel of the moment. */
  private _publishing = 0;
  /** Set while redrive() runs: its gets and acks belong to the channel, which is then never replaced. */
  private _redriving = false;
  /**
   * The channel the broker closed in refusal of a published message ({@link messageRefusal}), what it said,
   * and how many publishes were waiting on it then: its 'close' is no loss, and {@link publish} tells its
   * caller. Undefined until a message is refused.
   */
  private _refusedOn:
    { channel: amqplib.ConfirmChannel; refusal: MessageRefusal; publishing: number } | undefined;
  /** The opening of the channel that replaces {@link _refusedOn}'s; resolved once it is in use (or failed). */
  private _replacing: Promise<void> | undefined;
  /**
   * The confirm channel the copies of consumed messages are published on (a retry, a dead letter, a
   * redelivery's count, a message given back, a redriven dead letter), apart from the channel that consumes
   * and acknowledges: the broker that closes it in refusal of a copy (406, {@link messageRefusal}) closes no
   * consumer, and the message in hand stays in hand. Opened by consume() and redrive(), and again by the next
   * copy once it closed ({@link _copyChannel}); undefined until then.
   */
  private _copying: Promise<amqplib.ConfirmChannel> | undefined;
  /** Copy channels the broker closed in refusal of a copy, and what it said ({@link messageRefusal}). */
  private readonly _copyRefusals = new WeakMap<amqplib.ConfirmChannel, MessageRefusal>();

  private constructor(
    private readonly _connection: amqplib.ChannelModel,
    private _channel: amqplib.ConfirmChannel,
    private readonly _databaseTag: string,
    private readonly _maxAttempts: number,
    private readonly _retryDelayMs: number,
  ) {
    this.lost = new Promise((resolve) => (this._announceLost = resolve));
    this._watchChannel(_channel);
  }

  /**
   * Listens to `channel`, the queue's channel from now on: messages it returns unrouted (basic.return), and
   * its errors and closing, a loss of the queue ({@link lost}), or the refusal of a published message
   * while the queue only publishes, which replaces the channel ({@link _replaceChannel}). Events of a
   * channel already replaced are ignored. Without an 'error' listener an error would end the process.
   */
  private _watchChannel(channel: amqplib.ConfirmChannel): void {
    channel.on("return", (msg: amqplib.Message) => {
      const id: unknown = msg.properties.messageId;
      if (typeof id === "string") this._returned.add(id);
    });
    channel.on("error", (error: unknown) => {
      if (channel !== this._channel || this._refusedOn?.channel === channel) return;
      if (!this._closing) {
        const refusal =
          this._consumerTags.length === 0 && this._inFlight.size === 0 && !this._redriving
            ? messageRefusal(error)
            : undefined;
        if (refusal !== undefined) return this._replaceChannel(channel, refusal);
        // Noted before the loss, whose announcement it changes: amqplib emits the channel's 'error' before it
        // rejects the declaration or consume that the broker refused.
        this._refusal ??= queueRefusal(error);
      }
      this._channelLoss("the RabbitMQ channel failed", error);
    });
    channel.on("close", () => {
      if (channel !== this._channel || this._refusedOn?.channel === channel) return;
      this._channelLoss("the RabbitMQ channel was closed");
    });
  }

  /** Notes the loss of the channel, `what` happened and the `error` the event gave, if any. */
  private _channelLoss(what: string, error?: unknown): void {
    if (this._closing) return;
    this._loss(
      error === undefined ? undefined : `${what}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /**
   * The broker closed `refused`, the queue's channel, in refusal of a published message (`refusal`): a new
   * confirm channel is opened on the same connection for the publishes that follow ({@link publish} waits
   * for it). When it cannot be (the connection lost meanwhile, the broker refusing the channel), the queue is
   * lost ({@link lost}); when close() began meanwhile, the new channel is closed again.
   */
  private _replaceChannel(refused: amqplib.ConfirmChannel, refusal: MessageRefusal): void {
    this._refusedOn = { channel: refused, refusal, publishing: this._publishing };
    this._replacing = (async () => {
      let openError: unknown;
      const onOpenError = (error: unknown) => (openError ??= error);
      try {
        const fresh = await openConfirmChannel(this._connection, onOpenError);
        fresh.off("error", onOpenError);
        if (this._closing) {
          fresh.on("error", () => undefined);
          await fresh.close().catch(() => undefined);
          return;
        }
        this._channel = fresh;
        this._publishing = 0; // those waiting on the refused channel are not counted on this one
        this._watchChannel(fresh);
        await this._rpc("basic.qos", () => fresh.prefetch(PREFETCH));
      } catch (error) {
        if (this._closing || this._lost !== undefined) return;
        this._loss(
          `no new channel could be opened after the broker refused a message (${refusal.reason}): ${firstLine(openError ?? error)}`,
        );
      }
    })();
  }

  /**
   * Connects to `url` (`amqp://user:password@host:port/vhost`) and opens a confirm channel. `database`
   * names the database whose jobs the messages refer to (see the class comment): `{ tag }`, its stored tag
   * (pipeline.ts queueTag: what the relay and the worker give), or a DATABASE_URL text, whose hash
   * ({@link urlTag}) is then the tag, as it was for every process before the tag was stored. The connection is named
   * (RabbitMQ's `connection_name`) `tracehop-preprocess <script> pid <pid> <database tag>`, so that an
   * operator can tell the processes apart.
   * @throws TypeError when an option is unknown or out of range ({@link AmqpQueueOptions}), before
   *   connecting
   * @throws BadInputError naming the URL (password hidden) and what to fix when it is not an AMQP URL or
   *   the broker cannot be reached, does not answer within TRACEHOP_CONNECT_TIMEOUT_MS, or refuses the
   *   login or the vhost ({@link connectAmqp}); once connected, an UnreachableError when the connection is
   *   lost before the channel is set up (channel.open, confirm.select, basic.qos: start again), a
   *   BadInputError when the broker refuses the channel ({@link channelProblem}). The connection and the
   *   channel have their 'error' listeners from the moment each exists: no 'error' event goes unheard.
   */
  static async open(
    url: string,
    database: string | { tag: string },
    options: AmqpQueueOptions = {},
  ): Promise<AmqpQueue> {
    const { maxAttempts, retryDelayMs } = queueOptions("AmqpQueue", options, ["maxAttempts", "retryDelayMs"]);
    const tag = typeof database === "string" ? urlTag(database) : database.tag;
    const script = basename(process.argv[1] ?? "node");
    const connection = await connectAmqp(url, {
      clientProperties: { connection_name: `tracehop-preprocess ${script} pid ${process.pid} ${tag}` },
    });
    // Until the queue exists, what ended the connection or refused the channel, for the error thrown; the
    // channel has its 'error' listener from the moment it exists, the connection from connectAmqp.
    let dropped: unknown;
    let refused: unknown;
    const onDrop = (error?: unknown) => (dropped ??= error ?? new Error("the connection was closed"));
    const onRefusal = (error: unknown) => (refused ??= error);
    connection.on("close", onDrop);
    let channel: amqplib.ConfirmChannel;
    try {
      channel = await openConfirmChannel(connection, onRefusal);
      await channel.prefetch(PREFETCH);
    } catch (err) {
      void closeAmqp(connection);
      throw channelProblem(url, dropped, refused ?? err);
    } finally {
      connection.off("close", onDrop);
    }
    channel.off("error", onRefusal);
    const queue = new AmqpQueue(connection, channel, tag, maxAttempts, retryDelayMs);
    // Without an 'error' listener an error would end the process with a stack trace; a connection the
    // broker closes (CONNECTION_FORCED: a restart, an operator) emits only 'close'. While the queue closes,
    // the loss of its connection ends close()'s waits on the broker instead ({@link close}).
    const loss = (what: string) => (error?: unknown) => {
      if (queue._closing) {
        if (error !== undefined) queue._droppedWhileClosing?.(error);
        return;
      }
      queue._lostByConnection = true;
      queue._loss(
        error === undefined
          ? undefined
          : `${what}: ${error instanceof Error ? error.message : String(error)}`,
      );
    };
    connection.on("error", loss("the connection to RabbitMQ failed"));
    connection.on("close", loss("the connection to RabbitMQ was closed"));
    return queue;
  }

  /** The RabbitMQ queue that holds the main job's queue `queue` for this database. */
  destination(queue: string): string {
    return `${queue}.${this._databaseTag}`;
  }

  /**
   * Publishes with a new message id (a UUID), which the message's retries keep. Resolves once the
   * broker has confirmed the message (persistent, on a durable queue).
   * @throws UnroutedMessageError when the broker returned the message unrouted (its queue deleted since it
   *   was declared; declared again by the next publish)
   * @throws MessageRefusedError when the broker closed the channel in refusal of this message
   *   ({@link messageRefusal}: its size) while the queue only publishes: nothing was delivered, and the queue
   *   goes on, on a new channel. (With several publishes waiting at once the refusal names none of them:
   *   each rejects with an Error saying so, and may or may not be in the queue.) The queue that also
   *   consumes is lost instead ({@link lost}).
   * @throws TypeError when `queue` is no queue name (not a string, empty, a control character:
   *   `queueNameError`, as TableQueue checks it), before anything is sent or declared
   * @throws Error when the queue was {@link lost} (`amqp queue: ` and why), when the broker refuses the
   *   message (nack) or the channel closes before it confirms, and amqplib's RangeError when `headers`
   *   exceed {@link HEADERS_TABLE_MAX_BYTES}; nothing is published then. When close() ends the wait for the
   *   confirm (a broker that stopped answering: {@link close}), `amqp queue: the queue closed before the
   *   broker confirmed the message to <queue>: it may or may not be in the queue` (publish it again).
   */
  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    const bad = queueNameError("AmqpQueue", queue);
    if (bad) throw bad;
    // A channel being replaced after the broker refused a message: the publish goes on the new one.
    await this._replacing;
    this._assertNotLost("publish");
    const name = await this._declare(queue);
    const messageId = randomUUID();
    const channel = this._channel;
    // mandatory: a queue deleted since it was declared returns the message (basic.return, before its
    // confirm) instead of dropping it while confirming it.
    channel.sendToQueue(name, Buffer.from(body, "utf8"), {
      headers,
      persistent: true,
      contentType: "application/json",
      messageId,
      mandatory: true,
    });
    this._publishing++;
    try {
      await channel.waitForConfirms();
    } catch (error) {
      // close() gave up on a broker that stopped answering (or the channel closed while it closed): the
      // message may have reached the queue or not; its publisher keeps it as not published (the relay's
      // row stays unpublished and is sent again: at least once).
      if (this._closing)
        throw new Error(
          `amqp queue: the queue closed before the broker confirmed the message to ${name}: it may or may not be in the queue`,
          { cause: error },
        );
      const refused = this._refusedOn;
      if (refused?.channel === channel) {
        await this._replacing;
        // The refusal names no message: it is this one's only when it was the one publish waiting.
        if (refused.publishing === 1)
          throw new MessageRefusedError(name, refused.refusal.reason, refused.refusal.fix);
        throw new Error(
          `amqp queue: the broker refused one of ${refused.publishing} messages published at once to ${name} (${refused.refusal.reason}): this one may or may not be in the queue`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      if (this._channel === channel) this._publishing--;
    }
    if (this._returned.delete(messageId)) {
      this._declared.delete(name); // declared again by the next publish
      throw new UnroutedMessageError(name);
    }
  }

  /**
   * Declares `queue` and starts consuming it (the class comment says how each delivery is settled).
   * Resolves once the broker has registered the consumer; `handler` is then called for each message, one
   * at a time, until close() or the loss of the queue ({@link lost}).
   * @throws QueueLostError (the one {@link lost} resolves with) when the connection was lost, before the
   *   call or during it (RabbitMQ restarting, the network cut: transient); QueueRefusedError (the one
   *   {@link lost} resolves with too) when the broker refused the declaration or the consumer (406, 403:
   *   {@link queueRefusal}; the channel is then lost); Error when the queue was lost otherwise (another
   *   channel error), or another refusal.
   */
  async consume(
    queue: string,
    handler: (message: QueueMessage) => Promise<void>,
    options: ConsumeOptions = {},
  ): Promise<void> {
    const bad = queueNameError("AmqpQueue", queue);
    if (bad) throw bad;
    try {
      await this._consume(queue, handler, options);
    } catch (error) {
      // All the events of the loss have come by now (amqplib emits them in one go, before any reply it
      // rejects is seen); `lost` resolves within a microtask of them. A refusal of the queue or the consumer
      // is thrown as the loss it caused too (a QueueRefusedError).
      if (this._lostByConnection || this._refusal !== undefined) throw await this.lost;
      throw error;
    }
  }

  /** {@link consume}, but for what it throws. */
  private async _consume(
    queue: string,
    handler: (message: QueueMessage) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<void> {
    this._assertNotLost("consume");
    this._onDeadLetter = options.onDeadLetter;
    const name = await this._declare(queue);
    await this._copyChannel();
    const { consumerTag } = await this._rpc("basic.consume", () =>
      this._channel.consume(name, (msg) => {
        // The broker cancelled the consumer (its queue was deleted): nothing more will come; said and
        // handled as the loss of the queue, so that the worker is started again and declares it anew.
        if (!msg) return this._loss(`the broker cancelled the consumer of ${name} (the queue was deleted?)`);
        const label = messageLabel(messageIdOf(msg), msg.content);
        const delivered: Promise<void> = this._deliver(name, msg, label, handler)
          .catch((error: unknown) =>
            // The channel closed under it (ack and nack throw then): the broker requeues the message.
            say(`amqp queue: a message of ${name} was left unsettled`, error),
          )
          .finally(() => this._inFlight.delete(delivered));
        this._inFlight.set(delivered, label);
      }),
    );
    this._consumerTags.push(consumerTag);
  }

  /**
   * Moves the messages of the dead-letter queue of `queue` ({@link deadLetterQueue} of its RabbitMQ name)
   * back to `queue`, their count of attempts reset and `last-error` kept, as `TableQueue.redrive` does
   * (SQS's dead-letter queue redrive). Each copy is published and confirmed before its dead letter is
   * acknowledged. Moves at most the messages the dead-letter queue held when it started, so a message
   * that fails again meanwhile is not moved twice. A dead letter whose headers leave no room for a count
   * of 0 is moved without the count header (which means 0 too).
   *
   * @returns the number of messages moved
   * @throws Error when a copy cannot be published (its headers too large even so, refused by the broker,
   *   or the queue lost): that message stays in the dead-letter queue, the ones moved before it stay
   *   moved.
   */
  async redrive(queue: string): Promise<number> {
    const bad = queueNameError("AmqpQueue", queue);
    if (bad) throw bad;
    await this._replacing;
    this._redriving = true;
    try {
      return await this._redrive(queue);
    } finally {
      this._redriving = false;
    }
  }

  /** {@link redrive}, while the channel is not replaced (its gets and acks are the channel's). */
  private async _redrive(queue: string): Promise<number> {
    this._assertNotLost("redrive");
    const name = await this._declare(queue);
    const dead = await this._declareName(deadLetterQueue(name));
    await this._copyChannel();
    const { messageCount } = await this._rpc("queue.declare", () => this._channel.checkQueue(dead));
    for (let moved = 0; moved < messageCount; moved++) {
      const msg = await this._rpc("basic.get", () => this._channel.get(dead, { noAck: false }));
      if (msg === false) return moved; // another consumer of the dead-letter queue took the rest
      const variants = function* () {
        yield* copyVariants(msg, 0, undefined);
        const { [ATTEMPTS_HEADER]: _count, ...rest } = headersToCopy(msg);
        yield { headers: rest, note: "without its count (0), which does not fit" };
      };
      const copied = await this._copy(msg, async () => name, variants());
      if (copied.outcome !== "moved") {
        if (this._lost === undefined) this._channel.nack(msg, false, true);
        throw new Error(
          `amqp queue: redrive of ${dead} stopped after ${counted(moved, "message")}: a copy of ${messageLabel(messageIdOf(msg), msg.content)} could not be published to ${name} (${copied.outcome === "too large" ? `its headers exceed amqplib's ${HEADERS_TABLE_MAX_BYTES}-byte field table` : copied.outcome === "lost" ? `the queue was lost: ${this._lost}` : copied.why}); it and the rest stay in ${dead}`,
        );
      }
    }
    return messageCount;
  }

  /**
   * Stops every consumer of this queue, waits for the handlers in hand to settle their messages, and
   * closes the channel and the connection. Resolves when they are closed; never rejects: also when the
   * channel or the connection was lost before ({@link lost}: their messages went back to the broker).
   *
   * Bounded by TRACEHOP_CONNECT_TIMEOUT_MS (config.ts connectTimeoutMs, read at the call; 10 s by default),
   * the whole of it: a broker that stops answering (frozen, its packets dropped) would leave each of its
   * replies (basic.cancel-ok, channel.close-ok, connection.close-ok) and each publish confirm waited for
   * forever. At that deadline the connection's socket is destroyed, said in one line: every wait on it
   * rejects (a publish not yet confirmed: {@link publish}), the broker requeues the messages in hand when
   * it sees the connection gone, and close() resolves.
   *
   * A connection lost while it closes (the broker gone after channel.close or connection.close was sent,
   * whose replies amqplib then waits for forever) ends its waits on the broker at once, said in one line:
   * `amqp queue: the connection to RabbitMQ was lost while the queue closed (<why>): the broker requeues the
   * messages in hand`; the handlers in hand are still waited for, within the same bound.
   */
  async close(): Promise<void> {
    this._closing = true;
    this._closed.abort();
    const limitMs = connectTimeoutMs();
    // The connection lost while the queue closes (after channel.close was sent, amqplib never settles that
    // wait): said in one line, and the waits on the broker end at once.
    const dropped = new Promise<void>((resolve) => {
      this._droppedWhileClosing = (error) => {
        this._droppedWhileClosing = undefined;
        say(
          `amqp queue: the connection to RabbitMQ was lost while the queue closed (${firstLine(error)}): the broker requeues the messages in hand`,
        );
        resolve();
      };
    });
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(
        () => {
          say(
            `amqp queue: RabbitMQ did not answer within ${formatDuration(limitMs)} while the queue closed (TRACEHOP_CONNECT_TIMEOUT_MS): its connection is dropped; the broker requeues the messages in hand`,
          );
          this._droppedWhileClosing = undefined; // the drop that follows is this one, said above
          this._dropSocket();
          resolve();
        },
        Math.min(limitMs, MAX_TIMER_MS),
      );
    });
    try {
      await Promise.race([this._closeInOrder(dropped), gaveUp]);
    } finally {
      clearTimeout(timer);
      this._droppedWhileClosing = undefined;
    }
  }

  /**
   * close()'s steps, each waiting for the broker's reply, or for `dropped` (the connection lost meanwhile):
   * the handlers in hand are waited for all the same.
   */
  private async _closeInOrder(dropped: Promise<void>): Promise<void> {
    const step = (reply: () => Promise<unknown>) =>
      Promise.race([
        reply().catch(() => undefined), // already closed when lost
        dropped,
      ]);
    if (this._lost === undefined)
      for (const tag of this._consumerTags) await step(() => this._channel.cancel(tag));
    await Promise.all(this._inFlight.keys());
    const copying = this._copying;
    if (copying !== undefined) await step(async () => (await copying).close());
    await step(() => this._channel.close());
    await step(() => this._connection.close());
  }

  /**
   * Destroys the connection's socket with an error: amqplib (2.x) then closes the connection and its
   * channels at once (its 'error' handler of the socket), rejecting every reply and confirm waited for.
   * `ChannelModel.connection.stream` is amqplib's own, untyped.
   */
  private _dropSocket(): void {
    const { connection } = this._connection as unknown as {
      connection?: { stream?: { destroy(e: Error): void } };
    };
    connection?.stream?.destroy(new Error("no answer from RabbitMQ while closing"));
  }

  /**
   * Runs the channel call `call` (`method`, the AMQP method it sends, for the message), which waits for
   * the broker's reply. amqplib (2.x) marks a reply as awaited before it encodes the method's frame; when
   * the encoding throws (a queue name over 255 bytes, a field of the wrong type), the call rejects, but
   * the channel keeps waiting for the reply to a frame never sent, and every later call on it waits
   * behind that one forever. Such an error (a TypeError or RangeError while the channel was not lost)
   * makes the channel unusable: the queue is lost with why ({@link lost}) and the channel closed, which
   * rejects the calls waiting behind it. The error itself is thrown again.
   */
  private async _rpc<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this._lost === undefined && (error instanceof TypeError || error instanceof RangeError)) {
        this._loss(
          `amqplib could not encode a frame of ${method} (${firstLine(error)}): its channel would wait forever for the reply to a frame never sent, so it is closed`,
        );
        void this._channel.close().catch(() => undefined);
      }
      throw error;
    }
  }

  /** Notes the loss of the channel (`reason`: why, when the event says; see {@link lost}). */
  private _loss(reason: string | undefined): void {
    if (this._closing) return;
    this._lossReason ??= reason;
    if (this._lost !== undefined) return;
    this._lost = "the RabbitMQ channel was closed";
    // Taken now, before the deliveries whose copy or ack the loss cuts short end.
    const inHand = [...this._inFlight.values()];
    // The events of one loss come in one go (a channel's 'close' before its connection's, which says
    // why): the reason is taken once they all have.
    queueMicrotask(() => {
      this._lost = this._refusal ?? this._lossReason ?? this._lost!;
      const Loss = this._refusal === undefined ? QueueLostError : QueueRefusedError;
      this._announceLost(new Loss(`amqp queue: ${this._lost}`, inHand));
    });
  }

  /** Throws when the queue was lost: `what` (publish, consume, redrive) cannot be done any more. */
  private _assertNotLost(what: string): void {
    if (this._lost !== undefined) throw new Error(`amqp queue: cannot ${what}: ${this._lost}`);
  }

  /**
   * Hands one delivery of the queue `name` to `handler` and settles it (the class comment). `message` is
   * how the log names it ({@link messageLabel}).
   */
  private async _deliver(
    name: string,
    msg: amqplib.ConsumeMessage,
    message: string,
    handler: (message: QueueMessage) => Promise<void>,
  ): Promise<void> {
    const remembered = this._recall(msg);
    // The deliveries that ended without an acknowledgement before this one: the count this queue marked
    // on its copy, plus 1 when the broker redelivers the copy (`redelivered`). `x-delivery-count` is
    // never read: any publisher can set it (a first delivery with `x-delivery-count: 99` would be dead at
    // once, one with 0 counted forever at 1), and a redelivered copy is republished with its count before
    // it is handled, so that no copy is ever redelivered twice.
    const counted = countedAttempts(msg, name);
    const attempts = remembered?.attempts ?? counted + (msg.fields.redelivered ? 1 : 0);
    if (!(await this._admit(name, msg, message, remembered, counted, attempts))) return;
    const deliveryCount = attempts + 1;
    try {
      await handler({
        id: messageIdOf(msg),
        label: message,
        body: msg.content.toString("utf8"),
        // Header values as amqplib delivers them (strings, Buffers, numbers): tracehop reads them all.
        headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
        redelivered: deliveryCount > 1,
        deliveryCount,
      });
    } catch (error) {
      await this._settleFailure(name, msg, message, attempts, error);
      return;
    }
    if (this._lost === undefined) this._channel.ack(msg);
  }

  /** `delivery N of M`, M the queue's maxAttempts. */
  private _deliveryOf(n: number): string {
    return `delivery ${n} of ${this._maxAttempts}`;
  }

  /**
   * Decides whether a delivery (after `attempts` that ended without an acknowledgement; `counted` of them
   * marked on the copy by this queue) may be handled. Not when it has used up maxAttempts (dead-lettered,
   * unhandled), nor when a redelivered copy moved to the tail of the queue with its count (the copy is the
   * one handled). Resolves true when the handler is to run on this delivery.
   */
  private async _admit(
    name: string,
    msg: amqplib.ConsumeMessage,
    message: string,
    remembered: Requeued | undefined,
    counted: number,
    attempts: number,
  ): Promise<boolean> {
    /** Why its last delivery ended without a verdict (its consumer died, or lost its channel, with it). */
    const unacknowledged = (reason: string) =>
      unacknowledgedError(
        `not acknowledged: its consumer died or lost its channel with it in hand${reason} (${this._deliveryOf(attempts)})`,
        headerText(msg, LAST_ERROR_HEADER),
      );
    if (remembered === undefined && counted >= this._maxAttempts) {
      // A copy this queue marked with a count that has used up maxAttempts: maxAttempts was lowered while
      // it waited for its retry (or a consumer with a higher one queued it). Dead now, unhandled: no
      // message is delivered more often than the limit of the queue that delivers it.
      const lastError = maxAttemptsLoweredError(
        attempts,
        this._maxAttempts,
        headerText(msg, LAST_ERROR_HEADER),
      );
      await this._deadLetter(
        name,
        msg,
        attempts,
        lastError,
        `${message} of ${name}: ${lastError}`,
        undefined,
        " at once",
      );
      return false;
    }
    if (attempts >= this._maxAttempts) {
      // Its last allowed delivery ended without a verdict; or this queue requeued it when its dead letter
      // could not be published, and remembers why.
      const lastError = remembered?.lastError ?? unacknowledged("");
      const what =
        remembered === undefined
          ? `${message} of ${name} ${lastError}`
          : `${message} of ${name}, given back when its dead letter was refused (${this._deliveryOf(attempts)}: ${lastError})`;
      await this._deadLetter(name, msg, attempts, lastError, what);
      return false;
    }
    if (remembered || msg.fields.redelivered) {
      // The broker says only that it delivered this copy before (a quorum queue's `x-delivery-count`
      // says how often, but any publisher can set that header too: it is not read). The delivery that
      // ended without a verdict is written into a copy's count, at the tail of the queue, before the
      // handler runs: a message that kills every consumer that takes it then counts each of them and is
      // dead-lettered after maxAttempts, instead of coming back forever at the same count. A message this
      // queue requeued itself gets the count and the last error it remembers instead (not a death).
      const copied = await this._copy(
        msg,
        async () => name,
        copyVariants(msg, attempts, remembered?.lastError, markOf(name, msg, attempts)),
      );
      if (copied.outcome === "moved" || copied.outcome === "lost") return false;
      if (copied.outcome === "too large") {
        // Its deliveries cannot be counted: handled as it is, it could kill consumers forever.
        const lastError = remembered
          ? `${remembered.lastError}; then a copy with its count is too large to publish`
          : unacknowledged(", and a copy with its count is too large to publish");
        await this._deadLetter(name, msg, attempts, lastError, `${message} of ${name} ${lastError}`);
        return false;
      }
      say(
        `amqp queue: a copy of ${message} of ${name} with its count could not be published (${copied.why}); handled as it is`,
      );
    }
    return true;
  }

  /**
   * Settles a delivery whose handler threw `error` (after `attempts` earlier deliveries that ended without
   * an acknowledgement): dead now for a PermanentMessageError or the last allowed delivery; given back while
   * the queue is closing; else delivered again after the retry delay, with its count and last error.
   */
  private async _settleFailure(
    name: string,
    msg: amqplib.ConsumeMessage,
    message: string,
    attempts: number,
    error: unknown,
  ): Promise<void> {
    const deliveryCount = attempts + 1;
    const failed = `handler failed on ${message} of ${name} (${this._deliveryOf(deliveryCount)})`;
    if (this._lost !== undefined) {
      // Already back in the queue with the lost channel: nothing can be published or settled.
      say(`amqp queue: ${failed}, after the channel was lost; the broker has it again`, error);
    } else if (error instanceof PermanentMessageError) {
      // It can never be handled: dead now, on any delivery (also when the queue is closing), one line.
      const lastError = errorText(error);
      await this._deadLetter(
        name,
        msg,
        deliveryCount,
        lastError,
        `${message} of ${name} can never be handled (${this._deliveryOf(deliveryCount)}): ${lastError}`,
        undefined,
        " at once, not retried",
      );
    } else if (this._closing) {
      const copied = await this._copy(
        msg,
        async () => name,
        copyVariants(msg, attempts, undefined, markOf(name, msg, attempts)),
      );
      // A stop, not a failure (the worker stopped mid-job and said so): one line, no stack, and no
      // delivery count unless the delivery is counted (left to the broker: a redelivery).
      const outcome =
        copied.outcome === "moved"
          ? ` given back uncounted${note(copied.note)}`
          : copied.outcome === "lost"
            ? ": the broker has it again with the lost channel"
            : `: left to the broker, which requeues it when the channel closes, counted as a redelivery (${this._deliveryOf(deliveryCount)}; a copy could not be published: ${copied.outcome === "too large" ? "too large" : copied.why})`;
      say(
        `amqp queue: closing: ${message} of ${name}${outcome} (its handler ended with: ${errorText(error)})`,
      );
    } else if (deliveryCount >= this._maxAttempts) {
      await this._deadLetter(name, msg, deliveryCount, errorText(error), failed, error);
    } else {
      const delayMs = this._delayMs(deliveryCount);
      const target = async () => (delayMs === 0 ? name : this._declareRetry(name, delayMs));
      const lastError = errorText(error);
      const copied = await this._copy(
        msg,
        target,
        copyVariants(msg, deliveryCount, lastError, markOf(name, msg, deliveryCount)),
      );
      if (copied.outcome === "moved")
        say(`amqp queue: ${failed}; delivered again in ${delayMs} ms${note(copied.note)}`, error);
      else if (copied.outcome === "refused" && copied.refusal !== undefined) {
        // Refused for itself twice (its size: the same body would be refused on every retry): dead now,
        // rather than requeued to fail and be refused again forever; with its count and why, as every dead
        // letter (RabbitMQ weighs the body alone against max_message_size: the headers change nothing).
        const { reason, fix } = copied.refusal;
        const refused = `its retry was refused by the broker (${reason}): ${fix}`;
        await this._deadLetter(
          name,
          msg,
          deliveryCount,
          `${lastError}; ${refused}`,
          `${failed}; ${refused}`,
          error,
          " at once",
        );
      } else if (copied.outcome === "too large")
        // Without its count a retry would start again from 1, forever: dead now, with its reason.
        await this._deadLetter(
          name,
          msg,
          deliveryCount,
          `${lastError}; a retry with its count is too large to publish (${this._deliveryOf(deliveryCount)})`,
          `${failed}, and a retry with its count is too large to publish (its headers exceed amqplib's ${HEADERS_TABLE_MAX_BYTES}-byte field table)`,
          error,
          " at once",
        );
      else await this._requeue(msg, copied, deliveryCount, lastError, `${failed}, and its retry`, error);
    }
  }

  /**
   * Moves `msg` (a message of `name`, its `attempts` deliveries ended without an acknowledgement) to the
   * dead-letter queue with `lastError`: a copy with the count and `last-error` (cut to fit), else with its
   * headers as they are (which fit when they were published with amqplib), else with its other headers
   * dropped. Logs `what`
   * and the outcome (with `error`, the handler's, if any). When the broker refuses the copy, `msg` is
   * requeued after a pause ({@link _requeue}), remembered with `attempts` and `lastError`.
   */
  private async _deadLetter(
    name: string,
    msg: amqplib.Message,
    attempts: number,
    lastError: string,
    what: string,
    error?: unknown,
    when = "",
  ): Promise<void> {
    const dead = deadLetterQueue(name);
    const variants = function* () {
      yield* copyVariants(msg, attempts, lastError);
      yield {
        headers: headersToCopy(msg),
        note: "with its headers as they were: its count and last-error do not fit",
      };
      const cut = bounded(lastError, LAST_ERROR_MAX_LENGTH);
      yield {
        headers: { [ATTEMPTS_HEADER]: attempts, [LAST_ERROR_HEADER]: cut },
        note: "without its other headers (the trace context among them): they are too large to copy",
      };
    };
    const copied = await this._copy(msg, () => this._declareName(dead), variants());
    const args = error === undefined ? [] : [error];
    if (copied.outcome === "moved") {
      say(`amqp queue: ${what}; moved to ${dead}${when}${note(copied.note)}`, ...args);
      await reportDeadLetter(this._onDeadLetter, {
        id: messageIdOf(msg),
        label: messageLabel(messageIdOf(msg), msg.content),
        body: msg.content.toString("utf8"),
        headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
        redelivered: attempts > 1,
        deliveryCount: attempts,
        reason: lastError,
      });
    } else if (copied.outcome === "lost")
      say(`amqp queue: ${what}; the broker has it again with the lost channel`, ...args);
    else
      await this._requeue(
        msg,
        // (Cannot be: the last variant holds the count and at most 2000 characters.)
        copied.outcome === "too large" ? { outcome: "refused", target: dead, why: "too large" } : copied,
        attempts,
        lastError,
        `${what}, and its dead letter`,
        error,
      );
  }

  /**
   * Requeues `msg` after a pause (close() ends it) because its copy could not be published (`copied`:
   * refused by the broker, or the channel lost: then it is back in the queue already), and remembers its
   * count `attempts`, `lastError` and how often it was requeued in a row for its redelivery. The pause is
   * {@link REQUEUE_PAUSE_MS} the first time, doubled at each requeue of the redelivery this queue
   * remembers, at most {@link REQUEUE_PAUSE_MAX_MS}. Logs `what` (`…, and its
   * retry`) with the outcome and `error`, the handler's.
   */
  private async _requeue(
    msg: amqplib.Message,
    copied: Extract<Copied, { outcome: "lost" | "refused" }>,
    attempts: number,
    lastError: string,
    what: string,
    error?: unknown,
  ): Promise<void> {
    const args = error === undefined ? [] : [error];
    if (copied.outcome === "lost") {
      say(
        `amqp queue: ${what} could not be published: the channel was lost; the broker has it again`,
        ...args,
      );
      return;
    }
    const requeues = (this._requeuesBefore.get(msg) ?? 0) + 1;
    const pauseMs = Math.min(REQUEUE_PAUSE_MS * 2 ** (requeues - 1), REQUEUE_PAUSE_MAX_MS);
    const again =
      requeues === 1
        ? ""
        : ` (requeue ${requeues} in a row: the pause doubles each time, at most ${formatDuration(REQUEUE_PAUSE_MAX_MS)})`;
    say(
      `amqp queue: ${what} could not be published to ${copied.target} (${copied.why}); requeued in ${pauseMs} ms${again}`,
      ...args,
    );
    this._remember(msg, attempts, lastError, requeues);
    await pause(pauseMs, this._closed.signal);
    if (this._lost === undefined) this._channel.nack(msg, false, true);
  }

  /** Remembers a message this queue requeues itself: its count and last error ({@link _recall}). */
  private _remember(msg: amqplib.Message, attempts: number, lastError: string, requeues: number): void {
    const id = messageIdOf(msg);
    if (id === undefined) return; // a delivery tag changes with each delivery: nothing to find it by
    this._requeued.delete(id);
    this._requeued.set(id, {
      attempts,
      lastError,
      counted: headerCount(msg),
      requeues,
    });
    if (this._requeued.size > REMEMBERED_MAX) this._requeued.delete(this._requeued.keys().next().value!);
  }

  /**
   * What this queue remembers of `msg` when it is the redelivery of a message it requeued itself (the
   * same message id and count header, `redelivered`), else undefined; forgotten either way.
   */
  private _recall(msg: amqplib.Message): Requeued | undefined {
    const id = messageIdOf(msg);
    const remembered = id === undefined ? undefined : this._requeued.get(id);
    if (remembered === undefined) return undefined;
    this._requeued.delete(id!);
    const counted = headerCount(msg);
    if (!msg.fields.redelivered || counted !== remembered.counted) return undefined;
    this._requeuesBefore.set(msg, remembered.requeues);
    return remembered;
  }

  /** The wait after the failure of delivery `count`, in whole ms: retryDelayMs × 2^(count-1), capped. */
  private _delayMs(count: number): number {
    return Math.ceil(backoffMs(this._retryDelayMs, count, MAX_RETRY_DELAY_MS));
  }

  /**
   * Publishes a copy of `msg` (same body, message id and properties, persistent) to the queue `declare`
   * declares and names, on the copy channel ({@link _copyChannel}), with the first header table of
   * `variants` that amqplib can encode (largest first), confirmed; then acknowledges `msg` on the channel
   * that consumed it. A copy the broker refuses for itself (it closes the copy channel: 406,
   * {@link messageRefusal}) is published once more on a fresh copy channel (the refusal names no message:
   * another copy may have been the one refused), and is `refused` with the broker's reason when that one is
   * closed in refusal too.
   * @returns `moved` (with the variant's note); else `msg` is still in hand: `too large` (no variant
   *   fits {@link HEADERS_TABLE_MAX_BYTES}), `lost` (the channel is lost: nothing can be published, and
   *   `msg` is back in the queue), `refused` (the broker refused the copy: `refusal` when it closed the
   *   channel in refusal of it twice, else a nack; or its queue could not be declared, or no copy channel
   *   opened; `why` says)
   */
  private async _copy(
    msg: amqplib.Message,
    declare: () => Promise<string>,
    variants: Iterable<Variant>,
  ): Promise<Copied> {
    const p = msg.properties as amqplib.MessageProperties;
    let target = "its destination";
    try {
      target = await declare();
      variant: for (const { headers, note } of variants) {
        for (let tries = 1; ; tries++) {
          const channel = await this._copyChannel();
          try {
            channel.sendToQueue(target, msg.content, {
              headers,
              persistent: true,
              contentType: p.contentType as string | undefined,
              contentEncoding: p.contentEncoding as string | undefined,
              messageId: p.messageId as string | undefined,
              correlationId: p.correlationId as string | undefined,
              timestamp: p.timestamp as number | undefined,
              type: p.type as string | undefined,
              appId: p.appId as string | undefined,
              priority: p.priority as number | undefined,
            });
          } catch (error) {
            // amqplib encodes the headers into its 64 KiB buffer before it sends or records anything, and
            // throws a RangeError when they do not fit: nothing was sent, the next variant is smaller.
            if (error instanceof RangeError && this._lost === undefined) continue variant;
            // The channel closed just before, in refusal of another copy: this one goes on a fresh one.
            if (this._copyRefusals.has(channel) && tries < 2 && this._lost === undefined) continue;
            throw error;
          }
          try {
            await channel.waitForConfirms();
          } catch (error) {
            const refusal = this._copyRefusals.get(channel);
            if (this._lost === undefined && error instanceof Error && error.message === AMQPLIB_NACKED)
              return { outcome: "refused", target, why: NACKED };
            if (refusal === undefined || this._lost !== undefined) throw error;
            // Its 'close' came with the refusal: the next _copyChannel() opens a fresh channel.
            if (tries < 2) continue;
            return { outcome: "refused", target, why: `${refusal.reason}: ${refusal.fix}`, refusal };
          }
          if (this._lost !== undefined) return { outcome: "lost" };
          this._channel.ack(msg);
          return { outcome: "moved", note };
        }
      }
      return { outcome: "too large" };
    } catch (error) {
      if (this._lost !== undefined) return { outcome: "lost" };
      return { outcome: "refused", target, why: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * The copy channel ({@link _copying}): the open one, else a confirm channel opened now on the queue's
   * connection. Its 'error' listener is there from the moment it exists ({@link openConfirmChannel}): the
   * broker closing it in refusal of a copy ({@link messageRefusal}) is noted for {@link _copy}, and the
   * channel forgotten (the next copy opens another); any other error of it (a 403 on the publish: the user
   * may not write) is the loss of the queue ({@link lost}), as it was when the copies went on the consuming
   * channel: that channel is closed then, so that the messages in hand go back to the broker.
   * @throws Error when no channel can be opened (the connection lost, the broker refusing channels)
   */
  private _copyChannel(): Promise<amqplib.ConfirmChannel> {
    if (this._copying === undefined) {
      // Forgotten when it fails to open or, opened, closes: the next copy opens another.
      const forget = () => {
        if (this._copying === opening) this._copying = undefined;
      };
      const opening = this._openCopyChannel(forget);
      this._copying = opening;
      opening.catch(forget);
    }
    return this._copying;
  }

  /** Opens a copy channel for {@link _copyChannel}, `onClose` called when it closes. */
  private async _openCopyChannel(onClose: () => void): Promise<amqplib.ConfirmChannel> {
    let channel: amqplib.ConfirmChannel | undefined;
    let openError: unknown;
    const onError = (error: unknown) => {
      if (channel === undefined) openError ??= error;
      else this._copyChannelError(channel, error);
    };
    try {
      channel = await openConfirmChannel(this._connection, onError);
    } catch (error) {
      throw new Error(`no channel for the copies could be opened: ${firstLine(openError ?? error)}`, {
        cause: error,
      });
    }
    channel.on("close", onClose);
    return channel;
  }

  /** An 'error' of the copy channel `channel` (see {@link _copyChannel}). */
  private _copyChannelError(channel: amqplib.ConfirmChannel, error: unknown): void {
    const refusal = messageRefusal(error);
    if (refusal !== undefined) {
      this._copyRefusals.set(channel, refusal);
      return;
    }
    if (this._closing || this._lost !== undefined) return;
    this._refusal ??= queueRefusal(error);
    this._channelLoss("the RabbitMQ channel of the copies failed", error);
    void this._channel.close().catch(() => undefined);
  }

  private async _declare(queue: string): Promise<string> {
    return this._declareName(this.destination(queue));
  }

  /**
   * Declares the RabbitMQ queue `name` once per AmqpQueue: durable, with the queue arguments of
   * `options` (default none). Returns `name`.
   */
  private async _declareName(name: string, options: amqplib.Options.AssertQueue = {}): Promise<string> {
    if (!this._declared.has(name)) {
      await this._rpc("queue.declare", () => this._channel.assertQueue(name, { durable: true, ...options }));
      this._declared.add(name);
    }
    return name;
  }

  /**
   * Declares the retry queue of `queue` for `delayMs` once per AmqpQueue: durable, its messages expiring
   * after `delayMs` and dead-lettered through the default exchange to `queue`.
   */
  private _declareRetry(queue: string, delayMs: number): Promise<string> {
    return this._declareName(retryQueue(queue, delayMs), {
      messageTtl: delayMs,
      deadLetterExchange: "",
      deadLetterRoutingKey: queue,
    });
  }
}

/** What AmqpQueue remembers of a message it requeued itself (see AmqpQueue's `_requeued`). */
interface Requeued {
  /** Its deliveries that ended without an acknowledgement, the one before the requeue included. */
  attempts: number;
  /** Why that delivery ended so (the handler's error, or the reason it was being dead-lettered). */
  lastError: string;
  /**
   * Its {@link ATTEMPTS_HEADER} as it was requeued, marked or not ({@link headerCount}; a copy published
   * since by another consumer differs).
   */
  counted: number;
  /** How many times in a row this queue requeued it, that last requeue included. */
  requeues: number;
}

/** One header table for a copy, and what was left out or cut to make it fit (for the log), if anything. */
interface Variant {
  headers: Record<string, unknown>;
  note?: string;
}

/** How {@link AmqpQueue}'s `_copy` ended. */
type Copied =
  | { outcome: "moved"; note?: string }
  | { outcome: "too large" }
  | { outcome: "lost" }
  | { outcome: "refused"; target: string; why: string; refusal?: MessageRefusal };

/** The {@link attemptsMark} of a copy of `msg`, a message of the RabbitMQ queue `queue`, with `attempts`. */
const markOf = (queue: string, msg: amqplib.Message, attempts: number): string =>
  attemptsMark(queue, messageIdOf(msg), msg.content, attempts);

/** ` (note)`, or nothing. */
const note = (text: string | undefined): string => (text === undefined ? "" : ` (${text})`);

/**
 * The headers of `msg` without the ones RabbitMQ adds ({@link BROKER_HEADERS}) and without its
 * {@link ATTEMPTS_MARK_HEADER} (a copy gets a mark of its own, or none).
 */
function headersToCopy(msg: amqplib.Message): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg.properties.headers ?? {}))
    if (!BROKER_HEADERS.has(key) && key !== ATTEMPTS_MARK_HEADER) headers[key] = value;
  return headers;
}

/**
 * `text` cut to at most `length` characters (UTF-16 code units), never inside a surrogate pair; a cut
 * text ends in `…` (counted).
 */
function bounded(text: string, length: number): string {
  if (text.length <= length) return text;
  let end = Math.max(0, length - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return `${text.slice(0, end)}…`;
}

/** A `last-error` as short as this is left out rather than cut further (its header costs 16 bytes). */
const LAST_ERROR_MIN_CUT = 16;

/**
 * The header tables of a copy of `msg` with `attempts` in {@link ATTEMPTS_HEADER}, `mark` in
 * {@link ATTEMPTS_MARK_HEADER} (undefined: none, as on a dead letter) and `lastError` in `last-error`
 * (undefined: the message's own, kept), largest first: `lastError` at most
 * {@link LAST_ERROR_MAX_LENGTH} characters; then, for a copy that does not fit amqplib's field table,
 * the last error halved again and again, then left out. Every table carries the count and the mark.
 */
function* copyVariants(
  msg: amqplib.Message,
  attempts: number,
  lastError: string | undefined,
  mark?: string,
): Generator<Variant> {
  const { [LAST_ERROR_HEADER]: own, ...headers } = headersToCopy(msg);
  headers[ATTEMPTS_HEADER] = attempts;
  if (mark !== undefined) headers[ATTEMPTS_MARK_HEADER] = mark;
  const error =
    lastError !== undefined ? bounded(lastError, LAST_ERROR_MAX_LENGTH) : headerText(msg, LAST_ERROR_HEADER);
  if (lastError === undefined && own !== undefined)
    yield { headers: { ...headers, [LAST_ERROR_HEADER]: own } };
  else if (error !== undefined) yield { headers: { ...headers, [LAST_ERROR_HEADER]: error } };
  if (error !== undefined)
    for (
      let length = Math.floor(error.length / 2);
      length >= LAST_ERROR_MIN_CUT;
      length = Math.floor(length / 2)
    ) {
      const cut = bounded(error, length);
      yield {
        headers: { ...headers, [LAST_ERROR_HEADER]: cut },
        note: `its last-error cut to ${cut.length} characters to fit`,
      };
    }
  yield {
    headers,
    note: error === undefined && own === undefined ? undefined : "without its last-error, which does not fit",
  };
}

/** The message id of `msg`: its `messageId` property when a non-empty string, else undefined. */
function messageIdOf(msg: amqplib.Message): string | undefined {
  const id: unknown = msg.properties.messageId;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Hex characters of a body's SHA-256 that name a message without an id in the log. */
const BODY_HASH_LENGTH = 12;

/**
 * How the log names a message ({@link QueueMessage.label}): `message <id>`, or, without a message id
 * (published by another client), `a message without an id (body sha256 <12 hex>)`: the same for every
 * delivery and copy of it, where a delivery tag changes with each delivery.
 */
function messageLabel(id: string | undefined, body: Buffer): string {
  if (id !== undefined) return `message ${id}`;
  const hash = createHash("sha256").update(body).digest("hex").slice(0, BODY_HASH_LENGTH);
  return `a message without an id (body sha256 ${hash})`;
}

/** Hex characters of the SHA-256 in an {@link ATTEMPTS_MARK_HEADER} (128 bits). */
const MARK_LENGTH = 32;

/**
 * The {@link ATTEMPTS_MARK_HEADER} of a copy that AmqpQueue publishes for the RabbitMQ queue `queue` (to
 * it, or to one of its retry queues, whence it comes back to `queue`) of the message with the message id
 * `messageId` (undefined: it has none; then its `body` names it) and `attempts` in
 * {@link ATTEMPTS_HEADER}: 32 hex characters of the SHA-256 of the three.
 *
 * It is no signature (there is no key: anyone can compute it); it tells the queue's own copies from
 * copies made by others, which bring along the count of the message they copied. Such a copy carries no
 * matching mark when it was taken from a dead-letter queue (a dead letter carries no mark), or when it
 * was published with a message id of its own (publish() gives each message a new one; an application
 * that copies only the headers gives it none). Limits: a copy that keeps the message id as well as the
 * headers (every property copied: a shovel of the queue itself or of a retry queue, an application that
 * republishes the message as it is) cannot be told from the queue's own copy without state shared by
 * every consumer, and counts on from the count it carries; so does a copy of a message without a
 * message id that keeps its body and headers.
 */
export function attemptsMark(
  queue: string,
  messageId: string | undefined,
  body: Buffer,
  attempts: number,
): string {
  const hash = createHash("sha256").update(`${queue}\n${attempts}\n`);
  if (messageId !== undefined) hash.update(`id ${messageId}`);
  else hash.update("body ").update(body);
  return hash.digest("hex").slice(0, MARK_LENGTH);
}

/** The {@link ATTEMPTS_HEADER} of `msg` as a count ({@link count}), marked or not; 0 when absent or not a count. */
function headerCount(msg: amqplib.Message): number {
  return count(msg.properties.headers?.[ATTEMPTS_HEADER]) ?? 0;
}

/**
 * The {@link ATTEMPTS_HEADER} of `msg`, a delivery of the RabbitMQ queue `queue`, as a count
 * ({@link count}) when its {@link ATTEMPTS_MARK_HEADER} is the {@link attemptsMark} of that queue,
 * message and count (a copy AmqpQueue made); else 0: absent, not a count, or not marked by the queue (a
 * publisher's count, a dead letter's count brought back by a shovel, a count copied with the headers of
 * another message).
 */
function countedAttempts(msg: amqplib.Message, queue: string): number {
  const counted = count(msg.properties.headers?.[ATTEMPTS_HEADER]);
  if (counted === undefined || counted === 0) return 0;
  const mark = attemptsMark(queue, messageIdOf(msg), msg.content, counted);
  return headerText(msg, ATTEMPTS_MARK_HEADER) === mark ? counted : 0;
}

/** A header value as a count: a non-negative safe integer, or its decimal text; else undefined. */
function count(value: unknown): number | undefined {
  const n = typeof value === "string" && /^[0-9]{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The header `name` of `msg` as text (a string, or a Buffer decoded as UTF-8), else undefined. */
function headerText(msg: amqplib.Message, name: string): string | undefined {
  const value: unknown = msg.properties.headers?.[name];
  return typeof value === "string" ? value : Buffer.isBuffer(value) ? value.toString("utf8") : undefined;
}
