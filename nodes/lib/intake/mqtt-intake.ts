import mqtt, { type IClientOptions, type MqttClient, type Packet } from "mqtt";
import type { InboxItem, LsyncStore } from "../store";
import { InFlightWindow, resumePending } from "./in-flight";
import { registerIntake } from "./settlement";

export interface MqttIntakeOptions {
  url: string;
  /** Passed to mqtt.js; clientId and credentials come from the broker config. */
  client: IClientOptions;
  /** Topic filters, subscribed at QoS 1 (a `$share/<group>/` prefix spreads load over instances). */
  topics: string[];
  store: LsyncStore;
  /** The intake's identity in the store (its node id). */
  source: string;
  /** Taken-in messages not yet settled before intake stops acknowledging the broker. */
  maxInFlight: number;
  /** Derives the dedupe key kept with the inbox row (so a dead-letter listing can show it). */
  keyOf: (topic: string, payload: string, props: Record<string, string> | null) => string;
  /** Hands a stored item to the flow. */
  emit: (item: InboxItem, resumed: boolean) => void;
  onState?: (state: IntakeState) => void;
  onError?: (err: Error) => void;
  /** Called each time the broker has confirmed the subscriptions (after every (re)connect). */
  onSubscribed?: (info: { topics: string[]; sessionPresent: boolean }) => void;
}

export interface IntakeState {
  connection: "connecting" | "connected" | "offline" | "closed";
  takenIn: number;
  inFlight: number;
  /** True while intake holds back acknowledgements because the flow is behind. */
  paused: boolean;
}

/**
 * Durable MQTT intake: a message is acknowledged to the broker only after it is stored, and the
 * broker is held back (no ack, so no more deliveries past its in-flight window) while the flow is
 * behind. After a restart the stored but unsettled items are emitted again before new ones.
 *
 * mqtt.js hands us one publish at a time through `handleMessage` and sends the PUBACK when we
 * call back, which is exactly the hook "store, then ack" needs for MQTT 3.1.1 and 5 alike.
 */
export class DurableMqttIntake {
  private client: MqttClient | null = null;
  private readonly inFlight: InFlightWindow;
  private takenIn = 0;
  private connection: IntakeState["connection"] = "connecting";
  private stopped = false;
  private readonly unregister: () => void;

  constructor(private readonly options: MqttIntakeOptions) {
    this.inFlight = new InFlightWindow(options.maxInFlight);
    this.unregister = registerIntake(options.source, options.store, (id) => this.release(id));
  }

  /**
   * Subscribes and resumes side by side. Both wait for room in the in-flight window, so while the
   * stored backlog of a crash runs the broker is held back (no acks) rather than kept waiting for
   * a subscription: a backlog of tens of thousands must not delay the session for minutes.
   */
  async start(): Promise<void> {
    if (this.stopped) return;
    // Items taken in from now on are this run's own: resume stops where they begin.
    const startedAt = Date.now();
    this.connect();
    await this.resume(startedAt);
  }

  private connect(): void {
    const v5 = (this.options.client.protocolVersion ?? 5) === 5;
    const client = mqtt.connect(this.options.url, {
      clean: false,
      protocolVersion: 5,
      reconnectPeriod: 2000,
      ...this.options.client,
      // MQTT 5 ends a session only after this long offline; 3.1.1 keeps it until a clean connect.
      ...(v5 ? { properties: { sessionExpiryInterval: 24 * 3600, ...this.options.client.properties } } : {}),
    });
    this.client = client;
    client.handleMessage = (packet, callback) => this.take(packet, callback);
    client.on("connect", (connack) => {
      this.connection = "connected";
      this.report();
      // A resumed session still holds our subscriptions: say so now. The SUBACK may come only
      // after the publishes the broker queued for us, which wait for room in the window while a
      // crash's backlog runs. Subscribing again is harmless and covers a broker that lost it.
      if (connack.sessionPresent) this.options.onSubscribed?.({ topics: this.options.topics, sessionPresent: true });
      client.subscribe(this.options.topics, { qos: 1 }, (err) => {
        if (err) this.options.onError?.(err);
        else if (!connack.sessionPresent) this.options.onSubscribed?.({ topics: this.options.topics, sessionPresent: false });
      });
    });
    client.on("offline", () => {
      this.connection = "offline";
      this.report();
    });
    client.on("error", (err) => this.options.onError?.(err));
  }

  /** Re-emits what was stored and not settled before this start, oldest first. */
  private async resume(before: number): Promise<void> {
    await resumePending(this.options.store, this.options.source, this.inFlight, (item) => this.options.emit(item, true), {
      before,
      stopped: () => this.stopped,
      waitForRoom: () => this.capacity(),
    });
  }

  private take(packet: Packet, callback: (err?: Error) => void): void {
    if (packet.cmd !== "publish") return callback();
    this.capacity()
      .then(async () => {
        // Not acknowledged while stopping: the broker keeps it for our persistent session.
        if (this.stopped) return;
        const topic = packet.topic;
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload.toString("utf8") : String(packet.payload);
        const props = userProperties(packet);
        const item = { source: this.options.source, key: this.options.keyOf(topic, payload, props), topic, payload, props };
        let id: number;
        try {
          [id] = (await this.options.store.addToInbox([item])) as [number];
        } catch (err) {
          // Not acknowledged (an error skips mqtt.js's PUBACK), but the next publishes must not wait
          // behind it: without a callback mqtt.js would hand us nothing more.
          callback(err as Error);
          throw err;
        }
        callback();
        this.takenIn++;
        this.inFlight.add(id);
        this.options.emit({ ...item, id, receivedAt: Date.now() }, false);
        this.report();
      })
      .catch((err: Error) => {
        // Not stored, so not acknowledged: the broker will deliver it again.
        this.options.onError?.(err);
      });
  }

  /** Resolves when the in-flight window has room. */
  private capacity(): Promise<void> {
    if (this.inFlight.full && !this.stopped) this.report();
    return this.inFlight.room();
  }

  private release(id: number): void {
    if (!this.inFlight.release(id)) return;
    if (this.inFlight.size === 0 || this.takenIn % 100 === 0) this.report();
  }

  state(): IntakeState {
    return {
      connection: this.connection,
      takenIn: this.takenIn,
      inFlight: this.inFlight.size,
      paused: this.inFlight.holding,
    };
  }

  private report(): void {
    this.options.onState?.(this.state());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unregister();
    this.inFlight.close();
    const client = this.client;
    this.client = null;
    this.connection = "closed";
    if (client) await client.endAsync(true);
  }
}

function userProperties(packet: Packet): Record<string, string> | null {
  const raw = (packet as { properties?: { userProperties?: Record<string, string | string[]> } }).properties
    ?.userProperties;
  if (!raw) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = Array.isArray(v) ? v.join(",") : v;
  return out;
}
