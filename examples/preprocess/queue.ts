import { knownNameHint } from "tracehop";
import { databaseUrl, MAX_TIMER_MS, pause, POLL_INTERVAL_MS, quotedText, say } from "./config.js";
import type { Prisma, QueueMessage as QueueRow } from "../../generated/prisma/sqlite/client.js";
import { databaseName, type Database } from "./db.js";
import { databaseErrorCode, isTransientDatabaseError, OutageLog, retryTransient } from "./transient.js";

/** A message as the worker receives it: body text and the headers it was published with. */
export interface QueueMessage {
  /**
   * The message's id (`messaging.message.id`): the table queue's row id; RabbitMQ's `messageId`
   * property (AmqpQueue's publish gives a UUID, which its copies keep), undefined when the message has
   * none (or an empty one): a message published by another client.
   */
  id: string | undefined;
  /**
   * How the queue's log names the message, the same on each of its deliveries: `message <id>`, or
   * (AmqpQueue, a message without an id) `a message without an id (body sha256 <12 hex>)`.
   */
  label: string;
  body: string;
  /** Header values as the transport delivers them (strings, Buffers, ...): read them as a carrier. */
  headers: Record<string, unknown>;
  /**
   * True when the message was delivered before without being acknowledged (its handler failed, or its
   * consumer died with it in hand): `deliveryCount > 1`.
   */
  redelivered: boolean;
  /**
   * This delivery's number, 1 for the first: the deliveries of the message that ended without an
   * acknowledgement, plus one. A delivery cut short by the queue's close() is not counted.
   */
  deliveryCount: number;
}

/**
 * The error a handler throws for a message that can never be handled, whatever the delivery (a body
 * that is not JSON, not an object, or whose fields are of the wrong type; a job id that names no job):
 * both queues move the message to its dead-letter queue ({@link deadLetterQueue}) at once, on that
 * delivery, with this error's message as its last error, and log it in one line (no stack): it is not
 * retried, as BullMQ's `UnrecoverableError` is not. Any other error is retried up to the queue's
 * `maxAttempts`.
 */
export class PermanentMessageError extends Error {
  override readonly name = "PermanentMessageError";
}

/**
 * A message the broker refused for itself, not for its queue or its user: RabbitMQ answered its basic.publish
 * with 406 PRECONDITION_FAILED, chiefly a message larger than the broker's `max_message_size` (`message size N
 * is larger than configured max size M`). Nothing was delivered, and sent again as it is the message would be
 * refused again: its publisher sets it aside (the relay: its outbox row, Outbox.claimedBy saying why) and goes
 * on with the others, which the broker takes. Thrown by AmqpQueue's publish (queue-amqp.ts), which opens a new
 * channel for the publishes that follow (RabbitMQ closed the one the refusal came on).
 */
export class MessageRefusedError extends Error {
  override readonly name = "MessageRefusedError";
  /**
   * @param queue the RabbitMQ queue the message was sent to
   * @param reason the broker's code and text (`406 PRECONDITION_FAILED - message size 5000 is larger than
   *   configured max size 4096`)
   * @param fix what to change so that the message is taken (`raise the broker's max_message_size …`)
   */
  constructor(
    readonly queue: string,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`amqp queue: the broker refused a message to ${queue} (${reason}): ${fix}`);
  }
}

/**
 * A message the broker returned unrouted (AMQP basic.return of a mandatory publish): its queue does not
 * exist (deleted since it was declared). Nothing was delivered, and nothing is lost: the publisher sends it
 * again (the relay leaves its outbox row unpublished) once the queue is declared again, which the next
 * publish does. Thrown by AmqpQueue's publish (queue-amqp.ts); the relay says it in one line, no stack.
 */
export class UnroutedMessageError extends Error {
  override readonly name = "UnroutedMessageError";
  /** @param queue the RabbitMQ queue the message was sent to */
  constructor(readonly queue: string) {
    super(
      `amqp queue: the broker returned a message to ${queue} unrouted: the queue does not exist (deleted while ` +
        `this process ran?); nothing was delivered, it is declared again on the next try`,
    );
  }
}

/**
 * The small queue interface the relay and the worker use, with two implementations: {@link TableQueue}
 * (a table of the job's database) and AmqpQueue (RabbitMQ, queue-amqp.ts). Both deliver at least once.
 */
export interface Queue {
  /** Queue system name for `messaging.system` (`rabbitmq`, or tracehop's embedded table queue). */
  readonly system: string;
  /** The transport's name of `queue` (`messaging.destination.name`) when it is not `queue` itself. */
  destination?(queue: string): string;
  /**
   * Publishes `body` (text) with `headers` (the trace context among them) to `queue`. Resolves once the
   * message is stored: TableQueue when its row is inserted; AmqpQueue when the broker has confirmed it
   * (persistent, on a durable queue). Nothing is retried here.
   * @throws TableQueue: the database error of the insert (Prisma's; SQLITE_BUSY / P1008 when the file
   *   stays locked: the relay retries those, transient.ts). AmqpQueue: an Error when the queue was lost
   *   (`amqp queue: cannot publish: …`), the broker refused the message (nack) or the channel closed before
   *   it confirmed; a {@link MessageRefusedError} when the broker refused the message itself (its size: a
   *   406 on the publish; the queue goes on), and amqplib's RangeError when `headers` exceed its 64 KiB
   *   field table. A rejected
   *   publish may still have been stored (a confirmation lost with the channel): at least once.
   */
  publish(queue: string, body: string, headers: Record<string, string>): Promise<void>;
  /**
   * Calls `handler` for each message of `queue`, one at a time; a message is acknowledged when it
   * resolves. One whose handler rejects is delivered again later, as long as the queue's limit of
   * deliveries allows (then it is moved to {@link deadLetterQueue}); one whose handler rejects with a
   * {@link PermanentMessageError} is moved to {@link deadLetterQueue} at once. Resolves once consuming has
   * started: TableQueue at once (its loop then polls until close(); a failed poll is logged and tried
   * again, never thrown); AmqpQueue once the broker has registered the consumer.
   * @throws AmqpQueue only: a {@link QueueLostError} when its connection was lost, before or during the
   *   call (transient); an Error when the queue was lost otherwise (a channel error), or when the broker
   *   refuses the queue's declaration or the consumer (a queue declared elsewhere with other arguments; the
   *   queue is then lost too). TableQueue never rejects.
   */
  consume(
    queue: string,
    handler: (message: QueueMessage) => Promise<void>,
    options?: ConsumeOptions,
  ): Promise<void>;
  /**
   * Stops consuming and resolves once the message in hand, if any, is settled (its handler resolved or
   * rejected, its acknowledgement or failure recorded; a handler that rejects now gives its message back
   * uncounted), and AmqpQueue's channel and connection are closed. TableQueue's retries of its database
   * writes are cut short (the message is then delivered again after its lease), as is AmqpQueue's pause
   * before a requeue. Never rejects, also for an AmqpQueue that was lost. Call it once; publish and
   * consume are not to be called afterwards.
   */
  close(): Promise<void>;
  /**
   * A queue that can be lost (RabbitMQ: its channel or connection closed without close()): resolves
   * with why, and the queue then neither consumes nor publishes; the process ends (exit 1), to be started
   * again; with a {@link QueueRefusedError} when the broker refused the queue itself (exit 2: a
   * configuration to fix). Absent for the table queue, which retries its database instead.
   */
  readonly lost?: Promise<LostQueueError>;
}

/**
 * A message just moved to its dead-letter queue ({@link ConsumeOptions.onDeadLetter}): the message as its
 * handler saw it, `deliveryCount` its deliveries that ended without an acknowledgement, and `reason` the
 * text kept with the dead letter (the handler's last error, or why it was dead-lettered unhandled).
 */
export interface DeadLetter extends QueueMessage {
  reason: string;
}

/** Options of {@link Queue.consume}. */
export interface ConsumeOptions {
  /**
   * Called once for each message of the queue this consumer moves to its dead-letter queue (after
   * `maxAttempts` deliveries, a PermanentMessageError, or unhandled: its last delivery's consumer died),
   * once the move is done; so that what the message stood for can be marked given up (else
   * its job stays `pending` for good). A rejection is logged in one line; the dead letter stays moved.
   */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
}

/**
 * Calls `onDeadLetter` with `letter`, if given; its failure is said in one line, never thrown (the
 * message is in its dead-letter queue whatever the callback does).
 */
export async function reportDeadLetter(
  onDeadLetter: ConsumeOptions["onDeadLetter"],
  letter: DeadLetter,
): Promise<void> {
  if (onDeadLetter === undefined) return;
  try {
    await onDeadLetter(letter);
  } catch (error) {
    say(`queue: the dead-lettering of ${letter.label} could not be reported: ${errorText(error)}`);
  }
}

/**
 * Why a queue was lost ({@link Queue.lost}): the message says why; `inHand`, what it held then. The base of
 * the two kinds of loss, which the relay and the worker end differently: {@link QueueLostError} (transient,
 * exit 1, to be started again) and {@link QueueRefusedError} (a configuration to fix, exit 2). Tell them
 * apart with `instanceof`.
 */
export abstract class LostQueueError extends Error {
  /**
   * @param message why, `amqp queue: ` and the reason (a refusal also says what to fix)
   * @param inHand how the log names ({@link QueueMessage.label}) each message whose handler or settlement
   *   (its ack, or its copy to a retry or dead-letter queue) was running when the queue was lost, in
   *   delivery order; empty when it held none. They went back to the broker with the channel, to be
   *   delivered again.
   */
  constructor(
    message: string,
    readonly inHand: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * What {@link Queue.consume} rejects with when its connection to the broker was lost while it declared the
 * queue or registered the consumer (RabbitMQ restarting, the network cut): the queue's own
 * {@link LostQueueError}, the one {@link Queue.lost} resolves with. Transient, as any loss of the queue: the
 * worker ends as on one (exit 1, to be started again), not as on a queue the broker refused.
 */
export class QueueLostError extends LostQueueError {
  override readonly name = "QueueLostError";
}

/**
 * The loss of a queue that the broker refused ({@link Queue.lost} resolves with it, and {@link Queue.consume}
 * rejects with it when it came while the queue was declared or its consumer registered): RabbitMQ closed the
 * channel in answer to the declaration of one of its queues (the queue, its retry or dead-letter queues) or to
 * the registration of its consumer, with 406 PRECONDITION_FAILED (the queue exists with other arguments,
 * declared by another program or by hand) or 403 ACCESS_REFUSED (the user may not use it, or another
 * connection holds it exclusively), or to a publish with 403 ACCESS_REFUSED (the user may not write to the
 * default exchange). A configuration the user must fix: started again as it is, the process
 * would be refused the same way, so the relay and the worker end with exit code 2, not 1, their last line
 * saying what to fix (queue-amqp.ts queueRefusal). Its message: `amqp queue: RabbitMQ refused the queue
 * <name> (<code> <its text>): <what to fix>` (a publish refused: `amqp queue: RabbitMQ refused to let the
 * user of AMQP_URL publish …`).
 */
export class QueueRefusedError extends LostQueueError {
  override readonly name = "QueueRefusedError";
}

/**
 * Options of {@link TableQueue}, a plain object. Anything else given as the options, a misspelt name or a
 * value out of range is a TypeError that says what it got.
 */
export interface TableQueueOptions {
  /**
   * How long a claim lasts without renewal, in milliseconds (default 2 minutes; > 0). The consumer
   * renews the claim of the message in hand every third of this; a message whose consumer died (no
   * renewal) is delivered again once its lease has run out.
   */
  leaseMs?: number;
  /** Poll interval while the queue is empty, in milliseconds (default POLL_INTERVAL_MS; > 0). */
  pollMs?: number;
  /**
   * Deliveries of a message in all, the first included (default 5; a positive integer). A message whose
   * handler failed this many times is moved to the dead-letter queue {@link deadLetterQueue}(queue).
   */
  maxAttempts?: number;
  /**
   * Wait before the delivery that follows a handler failure, in milliseconds (default 1 s; >= 0):
   * doubled after each further failure, never more than `leaseMs`.
   */
  retryDelayMs?: number;
  /**
   * The clock the queue reads the time from, in milliseconds since the epoch, as `Date.now` gives it
   * (the default): the start of a claim and of each renewal (`consumedAt`), whether a lease has run out
   * (a claim older than `leaseMs` by this clock) and when a retry is due (`availableAt`). Every consumer
   * of one queue table must read the same time. The renewals' cadence (every third of `leaseMs`) and the
   * polls' are timers, not this clock. A function, else a TypeError; what it returns is not checked.
   */
  clock?: () => number;
}

/**
 * The dead-letter queue of `queue`: `<queue>.dead`, where {@link TableQueue} (and AmqpQueue, of the
 * RabbitMQ name) moves a message whose `maxAttempts` deliveries all ended without an acknowledgement.
 */
export const deadLetterQueue = (queue: string): string => `${queue}.dead`;

/** The options of the main job's queues, with their defaults ({@link TableQueueOptions}). */
const QUEUE_OPTION_DEFAULTS: Required<TableQueueOptions> = {
  leaseMs: 2 * 60_000,
  pollMs: POLL_INTERVAL_MS,
  maxAttempts: 5,
  retryDelayMs: 1_000,
  clock: Date.now,
};
/**
 * The wait before the delivery that follows the failure of delivery `count` (1 for the first), in ms:
 * `baseMs` × 2^(count-1), at most `capMs` (both in ms); 0 whenever `baseMs` is 0. Not rounded.
 */
export function backoffMs(baseMs: number, count: number, capMs: number): number {
  // (0 × 2^n is NaN once 2^n overflows to Infinity: a zero delay stays zero.)
  return baseMs === 0 ? 0 : Math.min(baseMs * 2 ** (count - 1), capMs);
}

/** Longest handler error message kept in `lastError`, in characters. */
const LAST_ERROR_MAX_LENGTH = 1_000;

/**
 * `value` as an error message shows what was given: a string quoted, a number or other primitive as
 * itself, a bigint as `a bigint 5n`, and an object by its kind (`an array`, `a Number object`, `a Map`,
 * `an object`), so that what looks like a valid value (`5`) is never shown for an invalid one.
 */
function shown(value: unknown): string {
  switch (typeof value) {
    case "string":
      return quotedText(value);
    case "bigint":
      return `a bigint ${value}n`;
    case "function":
      return "a function";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return "an array";
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype === Object.prototype || prototype === null) return "an object";
      const kind = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
      if (typeof kind !== "string" || kind === "") return "an object that is not a plain one";
      const boxed = ["Number", "String", "Boolean", "BigInt", "Symbol"].includes(kind);
      return `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind}${boxed ? " object" : ""}`;
    }
    default:
      return String(value);
  }
}

/** A plain object: `{...}` or `Object.create(null)`, not an array, a Map, a Date or a class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The options of the queue class `owner` (`"TableQueue"`, `"AmqpQueue"`), which takes the options named
 * `known`, with their defaults; or a TypeError starting with `owner` that names the first option that is
 * unknown or out of range (the ranges: {@link TableQueueOptions}), worded as tracehop's own
 * (`<owner>: <what must be>, got <value>`; a misspelt name answered with tracehop's `knownNameHint`:
 * `there is no option "maxAttempt"; did you mean maxAttempts?`, else the list of the options). The prefix is the class alone, without the
 * `tracehop ` that the package's errors carry: the queues are the example's, not the package's, and an
 * app that copies one names its own class.
 */
export function queueOptions<K extends keyof TableQueueOptions>(
  owner: string,
  options: unknown,
  known: readonly K[],
): Pick<Required<TableQueueOptions>, K> {
  // Only a plain object: the own fields of a Map or a Date are not its entries (both were taken as {}).
  if (!isPlainObject(options))
    throw new TypeError(`${owner}: options must be a plain object, got ${shown(options)}`);
  for (const name of Object.keys(options))
    if (!(known as readonly string[]).includes(name))
      // A misspelt name: did you mean, as tracehop's own option checks say it.
      throw new TypeError(
        `${owner}: there is no option ${quotedText(name)}; ${knownNameHint(name, known, "the options are")}`,
      );
  const given = options as TableQueueOptions;
  const valid = {} as Pick<Required<TableQueueOptions>, K>;
  for (const name of known) {
    const value: unknown = given[name] === undefined ? QUEUE_OPTION_DEFAULTS[name] : given[name];
    if (name === "clock") {
      if (typeof value !== "function")
        throw new TypeError(
          `${owner}: clock must be a function that returns the time in ms since the epoch (as Date.now), got ${shown(value)}`,
        );
    } else if (name === "maxAttempts") {
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1)
        throw new TypeError(`${owner}: maxAttempts must be a positive integer, got ${shown(value)}`);
    } else {
      // At most what a Node.js timer runs as asked (a longer one fires after 1 ms); the lease is renewed
      // every third of itself.
      const [min, max] =
        name === "leaseMs"
          ? ["> 0", 3 * MAX_TIMER_MS]
          : name === "pollMs"
            ? ["> 0", MAX_TIMER_MS]
            : [">= 0", MAX_TIMER_MS];
      const inRange =
        typeof value === "number" &&
        Number.isFinite(value) &&
        (min === "> 0" ? value > 0 : value >= 0) &&
        value <= max;
      if (!inRange)
        throw new TypeError(
          `${owner}: ${name} must be a number ${min} and <= ${max}, in ms, got ${shown(value)}`,
        );
    }
    (valid as Record<string, unknown>)[name] = value;
  }
  return valid;
}

/**
 * The text kept of a handler failure (the table queue's `lastError`, the AMQP dead letter's `last-error`
 * header, a failed job's reason that GET shows): the Error's message (else its string form), at most 1000
 * characters. Of a Prisma client error, its code and its last line, what failed: its message opens with
 * the call's code frame (`Invalid \`.createMany()\` invocation in`, the source file's path, its lines).
 */
export function errorText(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? error.message : String(error);
    if (
      error instanceof Error &&
      error.name.startsWith("PrismaClient") &&
      /invocation(?: in)?\n/.test(text)
    ) {
      const last = text.trimEnd().split("\n").at(-1)!.trim();
      const code = (error as { code?: unknown }).code;
      text = typeof code === "string" ? `${code}: ${last}` : last;
    }
  } catch {
    text = "(an error that cannot be shown)";
  }
  return text.length > LAST_ERROR_MAX_LENGTH ? text.slice(0, LAST_ERROR_MAX_LENGTH) : text;
}

/** What follows the reason in {@link unacknowledgedError}'s and {@link maxAttemptsLoweredError}'s text. */
const LAST_HANDLER_ERROR = "; last handler error: ";
/**
 * An earlier {@link unacknowledgedError} text (its reason ends with "(delivery N of M)") or
 * {@link maxAttemptsLoweredError} text (its reason starts with "delivery N of at most M: maxAttempts was
 * lowered"): its handler error, if any.
 */
const EARLIER_QUEUE_REASON = new RegExp(
  `^(?:not acknowledged[^;]*\\(delivery \\d+ of \\d+\\)|delivery \\d+ of at most \\d+: maxAttempts was lowered[^;]*)(?:${LAST_HANDLER_ERROR}([^]*))?$`,
);

/**
 * The text kept of a message dead-lettered because its last allowed delivery was never acknowledged
 * (its consumer died, or lost its lease or channel, with it in hand): `reason`, then the handler's last
 * error when an earlier delivery recorded one (`previous`, the message's lastError / `last-error` so
 * far) — the error a user debugging the dead letter wants, since a consumer that keeps dying may be
 * killed by the message. A `previous` that is itself such a text (or a {@link maxAttemptsLoweredError}
 * text) contributes its handler error only.
 */
export function unacknowledgedError(reason: string, previous: string | null | undefined): string {
  let handlerError = previous ?? undefined;
  const earlier = handlerError === undefined ? null : EARLIER_QUEUE_REASON.exec(handlerError);
  if (earlier) handlerError = earlier[1];
  return handlerError === undefined || handlerError === ""
    ? reason
    : reason + LAST_HANDLER_ERROR + handlerError;
}

/**
 * The text kept of a message dead-lettered unhandled because `earlier` of its deliveries (a count, >=
 * `maxAttempts`) have already ended without an acknowledgement, which maxAttempts allowed when its retry
 * was queued but `maxAttempts` (the queue's, now) does not: maxAttempts was lowered while it waited (or a
 * consumer with a higher maxAttempts failed it).
 * `delivery <earlier + 1> of at most <maxAttempts>: maxAttempts was lowered to <maxAttempts> while the
 * message waited for a retry after <earlier> deliveries, so it is not delivered again`, then the
 * handler's last error from `previous` as {@link unacknowledgedError} keeps it. Both queues dead-letter
 * such a message at once rather than deliver it once more: a user who lowers maxAttempts expects no
 * message to be delivered more often than the new limit.
 */
export function maxAttemptsLoweredError(
  earlier: number,
  maxAttempts: number,
  previous: string | null | undefined,
): string {
  return unacknowledgedError(
    `delivery ${earlier + 1} of at most ${maxAttempts}: maxAttempts was lowered to ${maxAttempts} while the message waited for a retry after ${earlier} ${earlier === 1 ? "delivery" : "deliveries"}, so it is not delivered again`,
    previous,
  );
}

/** A claimed row: `attempts` counts the delivery in hand. */
interface ClaimedMessage {
  id: number;
  queue: string;
  body: string;
  headers: unknown;
  attempts: number;
}

/** The message a handler (or `onDeadLetter`) is given for a claimed row. */
function deliveryOf(row: ClaimedMessage): QueueMessage {
  return {
    id: String(row.id),
    label: `message ${row.id}`,
    body: row.body,
    headers: (row.headers ?? {}) as Record<string, unknown>,
    redelivered: row.attempts > 1,
    deliveryCount: row.attempts,
  };
}

/**
 * The embedded default: a table (`QueueMessage`) in the same database, so the main job needs no broker.
 * At least once, as a broker with acknowledgements: a consumer claims the oldest available message with
 * a conditional update (`consumedAt`, the start of its lease, and `attempts`, the delivery count, both
 * as read), so several consumers never take the same one, and renews the lease while its handler runs;
 * a message whose handler resolves is acknowledged (its row deleted). Handlers must therefore be
 * idempotent (the worker skips a job that is no longer pending).
 *
 * Failures, as brokers bound them (RabbitMQ quorum queues' delivery limit, SQS's maxReceiveCount):
 * - every delivery is counted (`attempts`, `QueueMessage.deliveryCount` to the handler);
 * - a message whose handler fails is delivered again after `retryDelayMs` (doubled each time, at most
 *   the lease), its error's message kept in `lastError`; one whose handler throws a
 *   {@link PermanentMessageError} (a malformed message) is dead-lettered at once instead, with it;
 * - once `maxAttempts` deliveries have ended without an acknowledgement (handler failures, or consumers
 *   that died with it in hand), it is dead-lettered: moved to the queue `<queue>.dead`
 *   ({@link deadLetterQueue}) with its `attempts` and `lastError`, and never delivered from `queue` again
 *   (when its last delivery's consumer died: `not acknowledged within its lease (delivery N of N)`, then
 *   `; last handler error: …` when an earlier delivery failed in its handler — {@link unacknowledgedError}).
 *   A dead-letter queue rather than a `deadAt` mark on the row, because that is what a broker gives
 *   (RabbitMQ's dead-letter exchange, SQS's redrive policy): the dead messages are the rows of one queue
 *   name, read like any other (`SELECT ... WHERE queue = 'jobs.dead'`), {@link redrive}n back to their
 *   queue, or consumed by a TableQueue of their own (the count goes on: a failure there moves them
 *   to `<queue>.dead.dead`), and the live queue's claim needs no extra filter;
 * - a message waiting for a retry whose count has reached `maxAttempts` (lowered since its failure, or
 *   failed by a consumer with a higher one) is dead-lettered at once, unhandled, with the numbers
 *   ({@link maxAttemptsLoweredError}): no message is delivered more often than the limit of the queue
 *   that delivers it. A retry is told by its `availableAt` (only a handler failure sets it): a row of a
 *   dead-letter queue that a TableQueue consumes has none and is delivered, its count going on (above);
 *   so is, once more, a row given back on close past a lowered limit (its cut delivery not counted);
 * - a handler that fails while the queue is closing (the worker stopped mid-job) gives its message back
 *   at once, that delivery not counted, said in one line as a stop (`table queue: closing: message 7
 *   given back uncounted (its handler ended with: …)`), not as a handler failure;
 * - a row whose `headers` are not JSON (SQLite's text, written by hand) is dead-lettered on its delivery
 *   as a {@link PermanentMessageError} (`its headers are not JSON (…)`), without calling the handler: the
 *   messages behind it go on;
 * - a handler that succeeds after its consumer's lease ran out acknowledges the message wherever no
 *   other consumer holds it (waiting for its next delivery, or dead-lettered meanwhile): it was handled.
 * A redelivery carries the headers as published, so its process span restores the same trace.
 */
/**
 * The TypeError of a queue name `queue` given in code to the queue class `owner` that is no queue name:
 * not a string, empty, or holding a control character (C0, DEL or C1: the rule of TRACEHOP_QUEUE,
 * config.ts queueNameProblem, which would break the one-line messages that name the queue); `undefined`
 * for a name the queue takes.
 */
export function queueNameError(owner: string, queue: unknown): TypeError | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  if (typeof queue === "string" && queue !== "" && !/[\u0000-\u001f\u007f-\u009f]/.test(queue))
    return undefined;
  return new TypeError(
    `${owner}: queue must be a non-empty queue name without a control character (C0, DEL or C1), such as "preprocess-jobs", got ${shown(queue)}`,
  );
}

export class TableQueue implements Queue {
  readonly system = "tracehop-table";
  private _consuming: Promise<void> | undefined;
  /** The consumer's {@link ConsumeOptions.onDeadLetter}. */
  private _onDeadLetter: ConsumeOptions["onDeadLetter"];
  /** Aborted by close(): the loop stops, and retries of a lease renewal or an acknowledgement end. */
  private readonly _closing = new AbortController();
  private readonly _leaseMs: number;
  private readonly _pollMs: number;
  private readonly _maxAttempts: number;
  private readonly _retryDelayMs: number;
  /** {@link TableQueueOptions.clock}. */
  private readonly _clock: () => number;
  /**
   * The consumer's polls failing while the database is busy or unavailable: said when that starts, at
   * most every 30 s while it lasts and when it ends (the database named as DATABASE_URL names it), not
   * once per poll.
   */
  private readonly _pollOutage = new OutageLog("table queue: a poll", databaseName(), say);

  /** @throws TypeError when an option is unknown or out of range ({@link TableQueueOptions}) */
  constructor(
    private readonly _db: Database,
    options: TableQueueOptions = {},
  ) {
    const valid = queueOptions("TableQueue", options, [
      "leaseMs",
      "pollMs",
      "maxAttempts",
      "retryDelayMs",
      "clock",
    ]);
    this._clock = valid.clock;
    this._leaseMs = valid.leaseMs;
    this._pollMs = valid.pollMs;
    this._maxAttempts = valid.maxAttempts;
    this._retryDelayMs = valid.retryDelayMs;
  }

  async publish(queue: string, body: string, headers: Record<string, string>): Promise<void> {
    const bad = queueNameError("TableQueue", queue);
    if (bad) throw bad;
    await this._db.queueMessage.create({ data: { queue, body, headers } });
  }

  /**
   * Moves every message of the dead-letter queue of `queue` back to `queue`, available at once with its
   * count of attempts reset (as SQS's dead-letter queue redrive); `lastError` is kept.
   *
   * @returns the number of messages moved
   */
  async redrive(queue: string): Promise<number> {
    const bad = queueNameError("TableQueue", queue);
    if (bad) throw bad;
    const { count } = await this._db.queueMessage.updateMany({
      where: { queue: deadLetterQueue(queue) },
      data: { queue, attempts: 0, consumedAt: null, availableAt: null },
    });
    return count;
  }

  consume(
    queue: string,
    handler: (message: QueueMessage) => Promise<void>,
    options: ConsumeOptions = {},
  ): Promise<void> {
    const bad = queueNameError("TableQueue", queue);
    if (bad) return Promise.reject(bad);
    this._onDeadLetter = options.onDeadLetter;
    this._consuming = (async () => {
      while (!this._closing.signal.aborted) {
        let claim;
        try {
          claim = await this._claimNext(queue);
          this._pollOutage.recovered();
        } catch (error) {
          // A failed poll or claim (the file locked by another process, the server gone) leaves the
          // message where it was: the consumer keeps going and polls again a little later.
          if (isTransientDatabaseError(error)) this._pollOutage.failed(error);
          else say(`table queue: poll failed (${databaseErrorCode(error)}), retrying`);
          await pause(this._pollMs * 10, this._closing.signal);
          continue;
        }
        // None available, or another consumer claimed it first (or a row this claim cannot match):
        // poll again after the interval, never in a tight loop.
        if (claim === null || claim === undefined) {
          await pause(this._pollMs, this._closing.signal);
          continue;
        }
        if (claim.unreadable !== undefined)
          // Its headers cannot be read (they would fail every poll): it can never be handled.
          await this._failed(claim.message, claim.claimedAt, new PermanentMessageError(claim.unreadable));
        else await this._handle(claim.message, claim.claimedAt, handler);
      }
    })();
    return Promise.resolve();
  }

  /** Runs `handler` on a claimed message while renewing its lease, then acknowledges it or records its failure. */
  private async _handle(
    message: ClaimedMessage,
    claimedAt: Date,
    handler: (message: QueueMessage) => Promise<void>,
  ): Promise<void> {
    let lease = claimedAt;
    let renewing = Promise.resolve();
    const retry = { attempts: Infinity, maxElapsedMs: this._leaseMs / 3, signal: this._closing.signal };
    const renewal = setInterval(() => {
      renewing = renewing.then(async () => {
        const renewed = new Date(this._clock());
        const { count } = await retryTransient(
          () =>
            this._db.queueMessage.updateMany({
              where: { id: message.id, consumedAt: lease },
              data: { consumedAt: renewed },
            }),
          retry,
        ).catch(() => ({ count: -1 })); // a later renewal tries again
        if (count === 1) lease = renewed;
        else if (count === 0) {
          // Taken over by another consumer: nothing left to renew.
          clearInterval(renewal);
          say(`table queue: lost the lease of message ${message.id}`);
        }
      });
    }, this._leaseMs / 3);
    let failure: { error: unknown } | undefined;
    try {
      await handler(deliveryOf(message));
    } catch (error) {
      failure = { error };
    } finally {
      clearInterval(renewal);
      await renewing;
    }
    if (failure) return this._failed(message, lease, failure.error);
    // Acknowledged: the row goes, only under this consumer's lease (a lease that ran out may have been
    // taken over). Not done when the queue is closing or the database stays busy: delivered again later.
    const acked = await retryTransient(
      () => this._db.queueMessage.deleteMany({ where: { id: message.id, consumedAt: lease } }),
      { attempts: Infinity, maxElapsedMs: 60_000, signal: this._closing.signal },
    ).catch((error: unknown) => {
      say(
        `table queue: message ${message.id} not acknowledged (${databaseErrorCode(error)}); delivered again after its lease`,
      );
      return undefined;
    });
    if (acked?.count === 0) await this._handledLate(message);
  }

  /**
   * A message whose handler succeeded after this consumer's lease had run out (its renewals failed, or
   * the process stood still), so the acknowledgement under that lease found nothing. Where no consumer
   * holds it now — dead-lettered meanwhile as not acknowledged or after another consumer's failure, or
   * waiting for its next delivery — it is acknowledged there, since it has been handled; a message
   * another consumer holds is left to it (handled again). Says which, on stderr.
   */
  private async _handledLate(message: ClaimedMessage): Promise<void> {
    const late = `table queue: message ${message.id} handled after its lease ran out`;
    const retry = { attempts: Infinity, maxElapsedMs: 60_000, signal: this._closing.signal };
    try {
      const now = await retryTransient(
        () =>
          this._db.queueMessage.findUnique({
            where: { id: message.id },
            select: { queue: true, consumedAt: true },
          }),
        retry,
      );
      if (now === null) return say(`${late}; another consumer acknowledged it meanwhile`);
      if (now.consumedAt === null) {
        const { count } = await retryTransient(
          () =>
            this._db.queueMessage.deleteMany({
              where: { id: message.id, queue: now.queue, consumedAt: null },
            }),
          retry,
        );
        if (count === 1)
          return say(
            now.queue === message.queue
              ? `${late}, when it was waiting to be delivered again; acknowledged`
              : `${late}, when it had been moved to ${now.queue}; acknowledged there`,
          );
      }
      say(`${late}; another consumer has it, so it is handled again`);
    } catch (error) {
      say(
        `${late}, and what became of it could not be read (${databaseErrorCode(error)}); it may be handled again`,
      );
    }
  }

  /**
   * Records a failed delivery under this consumer's lease: available again after the backoff, or moved
   * to the dead-letter queue after `maxAttempts` deliveries, or (the queue closing) given back uncounted.
   * When that cannot be written, the message is delivered again after its lease, as a dead consumer's.
   */
  private async _failed(message: ClaimedMessage, lease: Date, error: unknown): Promise<void> {
    // A message that can never be handled is dead at once, also when the queue is closing.
    const permanent = error instanceof PermanentMessageError;
    const closing = !permanent && this._closing.signal.aborted;
    const dead = permanent || (!closing && message.attempts >= this._maxAttempts);
    const delayMs = backoffMs(this._retryDelayMs, message.attempts, this._leaseMs);
    const lastError = errorText(error);
    const data = closing
      ? { consumedAt: null, availableAt: null, attempts: { decrement: 1 } }
      : dead
        ? { queue: deadLetterQueue(message.queue), consumedAt: null, availableAt: null, lastError }
        : { consumedAt: null, availableAt: new Date(this._clock() + delayMs), lastError };
    const delivery = `delivery ${message.attempts} of ${this._maxAttempts}`;
    const recorded = await retryTransient(
      () => this._db.queueMessage.updateMany({ where: { id: message.id, consumedAt: lease }, data }),
      { attempts: Infinity, maxElapsedMs: 60_000, signal: this._closing.signal },
    ).catch((writeError: unknown) => {
      const code = databaseErrorCode(writeError);
      // Closing (a stop, often in the same database outage that cut the handler short): one line, no
      // stack; the handler's error is the outage the worker said already.
      if (closing)
        say(
          `table queue: closing: message ${message.id} could not be given back (${code}); delivered again after its lease, this delivery counted (its handler ended with: ${lastError})`,
        );
      else
        say(
          `table queue: handler failed on message ${message.id} (${delivery}), and the failure was not recorded (${code}); delivered again after its lease`,
          error,
        );
      return undefined;
    });
    if (recorded === undefined) return;
    if (recorded.count === 1 && dead) await this._reportDead(message, lastError);
    if (recorded.count === 0)
      say(
        `table queue: handler failed on message ${message.id} (${delivery}) after its lease was taken over`,
        error,
      );
    else if (permanent)
      say(
        `table queue: message ${message.id} can never be handled (${delivery}): ${lastError}; moved to ${deadLetterQueue(message.queue)} at once, not retried`,
      );
    else if (closing)
      // A stop, not a failure (the worker stopped mid-job and said so): one line, no stack, and no
      // delivery count, which would read as an attempt used.
      say(
        `table queue: closing: message ${message.id} given back uncounted (its handler ended with: ${lastError})`,
      );
    else
      say(
        `table queue: handler failed on message ${message.id} (${delivery}); ${
          dead ? `moved to ${deadLetterQueue(message.queue)}` : `delivered again in ${delayMs} ms`
        }`,
        error,
      );
  }

  /**
   * The oldest available message of `queue` (never claimed, or past its backoff, or its lease run out)
   * once claimed, with the time of the claim; `null` when there is none, `undefined` when another
   * consumer took it first or it was dead-lettered instead. `unreadable` says why, when the row's
   * `headers` are not JSON (SQLite keeps JSON as text, and a row written by hand can hold anything there;
   * PostgreSQL's jsonb and MySQL's JSON refuse it): the message is claimed all the same, with no headers,
   * to be dead-lettered. The headers are read on their own, by the row's id, so that Prisma's parse of
   * one such row fails that row only, not every poll (the messages behind it would wait forever). The
   * same holds for the row's other columns: the poll selects the id alone (SQLite's INTEGER PRIMARY KEY
   * is always an integer), and a row whose columns Prisma cannot read (`attempts` holding text, P2023)
   * is moved to the dead-letter queue as it is, with the reason ({@link TableQueue._deadLetterUnreadable}).
   * @throws the database error of a read or of the claim (the consumer polls again later)
   */
  private async _claimNext(
    queue: string,
  ): Promise<{ message: ClaimedMessage; claimedAt: Date; unreadable?: string } | null | undefined> {
    const now = this._clock();
    const available = {
      queue,
      OR: [
        { consumedAt: null, OR: [{ availableAt: null }, { availableAt: { lte: new Date(now) } }] },
        { consumedAt: { lt: new Date(now - this._leaseMs) } },
      ],
    };
    let read: { message: QueueRow; unreadable?: string } | null | undefined;
    try {
      // One read, the headers included: it parses the one row it returns, so only a bad row fails it.
      const row = await this._db.queueMessage.findFirst({ where: available, orderBy: { id: "asc" } });
      read = row && { message: row };
    } catch (error) {
      if (!isRowDataError(error)) throw error;
      read = await this._readApart(queue, available);
    }
    if (!read) return read;
    const { message, unreadable } = read;
    // The row as read, its delivery count included: a message given back (consumedAt null again) since
    // this read has a higher count, so the read cannot claim it a second time.
    const asRead = { id: message.id, consumedAt: message.consumedAt, attempts: message.attempts };
    if (message.consumedAt !== null && message.attempts >= this._maxAttempts) {
      // Its last allowed delivery ran out of lease: its consumer died with it (perhaps because of it).
      // The handler's last error, if an earlier delivery recorded one, is kept after the reason.
      const lastError = unacknowledgedError(
        `not acknowledged within its lease (delivery ${message.attempts} of ${this._maxAttempts})`,
        message.lastError,
      );
      await this._moveToDead(asRead, queue, `message ${message.id} ${lastError}`, lastError, "", message);
      return undefined;
    }
    if (message.availableAt !== null && message.attempts >= this._maxAttempts) {
      // Waiting for a retry (only a handler failure sets availableAt) with no delivery left: maxAttempts
      // was lowered meanwhile. Dead now, unhandled. (A row of a dead-letter queue, availableAt null,
      // keeps its count and is delivered, as the class comment says.)
      const lastError = maxAttemptsLoweredError(message.attempts, this._maxAttempts, message.lastError);
      await this._moveToDead(
        asRead,
        queue,
        `message ${message.id}: ${lastError}`,
        lastError,
        " at once",
        message,
      );
      return undefined;
    }
    const claimedAt = new Date(this._clock());
    const claimed = await this._db.queueMessage.updateMany({
      where: asRead,
      data: { consumedAt: claimedAt, attempts: { increment: 1 } },
    });
    return claimed.count === 1
      ? { message: { ...message, attempts: message.attempts + 1 }, claimedAt, unreadable }
      : undefined;
  }

  /**
   * The oldest available row of `queue` read in parts, after its whole read failed on its stored data
   * ({@link isRowDataError}): its id alone (SQLite's INTEGER PRIMARY KEY is always an integer), then the
   * row without its headers while still available (another consumer may have claimed it since; the
   * claim matches the row as read, so it must be read as available), then its headers. A row whose other
   * columns cannot be read is dead-lettered as it is ({@link TableQueue._deadLetterUnreadable}):
   * `undefined`; headers that are not JSON give the row with no headers and the reason in `unreadable`.
   * `null` when no row is available any more, `undefined` when another consumer took it.
   * @throws the database error of a read or of the move (the consumer polls again later)
   */
  private async _readApart(
    queue: string,
    available: Prisma.QueueMessageWhereInput,
  ): Promise<{ message: QueueRow; unreadable?: string } | null | undefined> {
    const first = await this._db.queueMessage.findFirst({
      select: { id: true },
      where: available,
      orderBy: { id: "asc" },
    });
    if (!first) return null;
    let found;
    try {
      found = await this._db.queueMessage.findFirst({
        where: { id: first.id, ...available },
        omit: { headers: true },
      });
    } catch (error) {
      if (!isRowDataError(error)) throw error;
      await this._deadLetterUnreadable(queue, first.id, error);
      return undefined;
    }
    if (!found) return undefined;
    try {
      const row = await this._db.queueMessage.findUnique({
        where: { id: found.id },
        select: { headers: true },
      });
      return { message: { ...found, headers: row?.headers ?? null } };
    } catch (error) {
      // Prisma parses a JSON column with JSON.parse: a SyntaxError is the row's text, not the database.
      if (!(error instanceof SyntaxError)) throw error;
      return {
        message: { ...found, headers: null },
        unreadable: `its headers are not JSON (${error.message})`,
      };
    }
  }

  /**
   * Moves row `id` of `queue`, whose columns Prisma cannot read, to the dead-letter queue without
   * reading it (its columns are kept as they are, to be looked at), the reason in `lastError`, in one
   * log line. Another consumer may have moved it first: then nothing is logged.
   * @throws the database error of the move (the consumer polls again later)
   */
  private async _deadLetterUnreadable(queue: string, id: number, error: unknown): Promise<void> {
    const reason = `its row cannot be read (${rowDataProblem(error)})`;
    await this._moveToDead(
      { id, queue },
      queue,
      `message ${id} can never be handled: ${reason}`,
      reason,
      " at once, not retried",
    );
  }

  /**
   * Moves the row `where` matches (one row of `queue`, as read: another consumer may have changed it
   * since) to the dead-letter queue of `queue`, with `lastError`, available (no lease, no backoff); when
   * it moved, logs `table queue: <what>; moved to <queue>.dead<when>`.
   * @throws the database error of the move (the consumer polls again later)
   */
  private async _moveToDead(
    where: Prisma.QueueMessageWhereInput,
    queue: string,
    what: string,
    lastError: string,
    when = "",
    row?: ClaimedMessage,
  ): Promise<void> {
    const dead = deadLetterQueue(queue);
    const moved = await this._db.queueMessage.updateMany({
      where,
      data: { queue: dead, consumedAt: null, availableAt: null, lastError },
    });
    if (moved.count !== 1) return;
    say(`table queue: ${what}; moved to ${dead}${when}`);
    if (row !== undefined) await this._reportDead(row, lastError);
  }

  /** Reports the dead-lettering of `row` to the consumer's `onDeadLetter` ({@link reportDeadLetter}). */
  private _reportDead(row: ClaimedMessage, reason: string): Promise<void> {
    return reportDeadLetter(this._onDeadLetter, { ...deliveryOf(row), reason });
  }

  async close(): Promise<void> {
    this._closing.abort();
    await this._consuming?.catch(() => undefined);
  }
}

/**
 * The queue of this run: RabbitMQ (queue-amqp.ts) when AMQP_URL is set, its queue names tagged with the
 * database's stored tag (pipeline.ts queueTag, made on first use), else the embedded table queue on `db`,
 * each with its default options.
 * @throws BadInputError (config.ts) when AMQP_URL is set and the broker cannot be reached, does not answer
 *   within TRACEHOP_CONNECT_TIMEOUT_MS or refuses it (the login, the vhost), or it is no AMQP URL, saying
 *   what to fix (queue-amqp.ts connectAmqp), or when the database's stored queue tag is no tag (pipeline.ts);
 *   the relay and the worker exit 2 on it, or 1 on an UnreachableError, a broker that may come back
 *   (config.exitOnStartFailure).
 */
export async function openQueue(db: Database): Promise<Queue> {
  const amqpUrl = process.env.AMQP_URL;
  if (amqpUrl) {
    const { AmqpQueue } = await import("./queue-amqp.js");
    const { queueTag } = await import("./pipeline.js");
    return AmqpQueue.open(amqpUrl, { tag: await queueTag(db, databaseUrl()) });
  }
  return new TableQueue(db);
}

/**
 * True when `error` is about one row's stored data, not the database: Prisma's P2023 ("Inconsistent
 * column data": SQLite text in an integer or date column) or the SyntaxError of its JSON.parse of a
 * JSON column. Such a row fails every read of it; other rows read fine.
 */
function isRowDataError(error: unknown): boolean {
  return error instanceof SyntaxError || (error as { code?: unknown } | null)?.code === "P2023";
}

/**
 * What {@link isRowDataError} `error` says, in one line: `P2023: <Prisma's last line>` (the message
 * begins with the call and its code frame; the reason is its last line), or the SyntaxError's message.
 */
function rowDataProblem(error: unknown): string {
  if (error instanceof SyntaxError) return error.message;
  const lines = String((error as Error).message)
    .split("\n")
    .filter((line) => line.trim());
  return `P2023: ${lines.at(-1)?.trim() ?? "inconsistent column data"}`;
}
