import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";

/** An HTTP error answer of the collector: status code, status text, Retry-After as sent (if any). */
export interface CollectorAnswer {
  status: number;
  statusText: string;
  retryAfter: string | undefined;
}

/**
 * Node's diagnostics channel of each HTTP client response (public, stable since Node 20: the
 * `http.client.response.finish` channel of `node:diagnostics_channel`, "Built-in channels", HTTP).
 */
const RESPONSE_CHANNEL = "http.client.response.finish";

/** The User-Agent of @opentelemetry/otlp-exporter-base's requests (`OTel-OTLP-Exporter-JavaScript/<version>`). */
const EXPORTER_USER_AGENT = "OTel-OTLP-Exporter-JavaScript/";

/**
 * The last HTTP error answer (status 400 or more) the OTLP exporter got from the traces URL `url`.
 *
 * Why: for a retryable status (429, 502, 503, 504) the exporter's final error is a bare
 * `OTLPExporterError("Export failed with retryable status")` with no `code` and no `data`
 * (@opentelemetry/otlp-exporter-base: `sendWithHttp` resolves `{ status: "retryable", retryInMillis }`,
 * dropping the status and Retry-After, and the export delegate makes that error); only a
 * non-retryable status keeps its code. The answer is read from Node's HTTP client diagnostics channel
 * instead: per response of the process one integer comparison, and for an error status a comparison of
 * the request's protocol, Host, path and User-Agent with the exporter's. {@link start} subscribes,
 * {@link stop} unsubscribes.
 */
export class CollectorAnswers {
  /** The last error answer from the traces URL, if any. */
  private last: CollectorAnswer | undefined;
  /** Error answers from the traces URL so far: an export notes it when it begins ({@link lastSince}). */
  count = 0;
  private readonly protocol: string;
  private readonly host: string;
  private readonly path: string;
  private readonly onResponse = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const status = response.statusCode ?? 0;
    if (status < 400) return;
    if (request.path !== this.path || request.protocol !== this.protocol) return;
    if (String(request.getHeader("host") ?? "").toLowerCase() !== this.host) return;
    if (!String(request.getHeader("user-agent") ?? "").includes(EXPORTER_USER_AGENT)) return;
    const retryAfter = response.headers["retry-after"];
    this.count++;
    this.last = {
      status,
      statusText: response.statusMessage ?? "",
      retryAfter: retryAfter?.trim() || undefined,
    };
  };

  /** `url`: the traces URL the exporter posts to (`http://127.0.0.1:4318/v1/traces`). */
  constructor(url: string) {
    const parsed = new URL(url);
    this.protocol = parsed.protocol;
    this.host = parsed.host.toLowerCase();
    this.path = parsed.pathname + parsed.search;
  }

  /**
   * The last error answer, when it came after the `count`-th (the {@link count} when an export began):
   * an answer to that export or to one running beside it, never one an earlier export got.
   */
  lastSince(count: number): CollectorAnswer | undefined {
    return this.count > count ? this.last : undefined;
  }

  start(): void {
    subscribe(RESPONSE_CHANNEL, this.onResponse);
  }

  stop(): void {
    unsubscribe(RESPONSE_CHANNEL, this.onResponse);
  }
}
