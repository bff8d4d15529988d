// Where a planned reply goes. A sink only delivers; what to say and when
// are decided upstream (src/report, src/service).

export interface OutgoingMail {
  /** The reply's fixed Message-ID (receivers de-duplicate on it). */
  messageId: string;
  rfc822: string;
}

/** A delivery failure: `permanent` ones are not retried. */
export class DeliveryError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface ReplySink {
  readonly name: string;
  deliver(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}
