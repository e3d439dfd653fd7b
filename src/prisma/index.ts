/**
 * tracehop/prisma: a Prisma Client extension that stores the active trace in a `Json` carrier
 * field of the rows it creates (docs/prisma.md).
 */
export {
  traceCarrierExtension,
  DEFAULT_CARRIER_FIELD,
  type TraceCarrierExtensionOptions,
} from "./trace-carrier-extension.js";
export { MAX_STORED_CARRIER_BYTES, storedCarrierBytes, type BaggagePolicy } from "./carrier-capture.js";
