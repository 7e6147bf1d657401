/**
 * The example scanner ACL (deploy/mosquitto/acl) on a private Mosquitto with users: a device
 * publishes only under its own topic and reads nothing; the intake user, connecting with the
 * broker config node's options, reads every scanner topic; anonymous and wrong passwords are refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { after, before, describe, it } from "node:test";
import { brokerClientOptions } from "../../nodes/lsync-broker/lsync-broker";
import { skipUnlessMosquitto, startMosquitto, type PrivateBroker } from "../helpers/mosquitto";
import { REPO } from "../helpers/product";

const USERS = { "lsync-intake": "intake-pw-31f9", "RF-017": "device-pw-017", "RF-999": "device-pw-999" };

describe("scanner ACL on Mosquitto", { skip: skipUnlessMosquitto(), timeout: 60_000 }, () => {
  let broker: PrivateBroker;
  let intake: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];
  const clients: MqttClient[] = [];

  const connect = async (username: string, password: string) => {
    const c = await mqtt.connectAsync(broker.url, { username, password, protocolVersion: 5, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };
  /** Resolves once the intake has received `payload`: everything published before it on the same connection has arrived too. */
  const arrived = (payload: string) =>
    new Promise<void>((ok) => {
      const check = () => (received.some((r) => r.payload === payload) ? ok() : setTimeout(check, 20));
      check();
    });

  before(async () => {
    broker = await startMosquitto({ secure: { users: USERS, aclFile: join(REPO, "deploy", "mosquitto", "acl") } });
    // The intake connects the way the broker config node does: its options carry the credentials.
    const options = brokerClientOptions({ clientIdPrefix: "lsync", protocolVersion: "5" }, "acl-test", { username: "lsync-intake", password: USERS["lsync-intake"] });
    intake = await mqtt.connectAsync(broker.url, { ...options, reconnectPeriod: 0 });
    const granted = await intake.subscribeAsync("wms/+/scanner/+/+", { qos: 1 });
    assert.ok(granted.every((g) => g.qos === 1), `the intake may read scanner topics: ${JSON.stringify(granted)}`);
    intake.on("message", (topic, payload) => received.push({ topic, payload: payload.toString() }));
  });

  after(async () => {
    for (const c of [intake, ...clients]) await c?.endAsync(true).catch(() => undefined);
    await broker?.stop();
  });

  it("a device cannot publish as another device (refused: reason 135)", async () => {
    const device = await connect("RF-017", USERS["RF-017"]);
    // MQTT 5: Mosquitto answers a refused QoS 1 publish with reason code 135 (not authorized).
    await assert.rejects(device.publishAsync("wms/DC1/scanner/RF-999/pick", "forged", { qos: 1 }), /135|Not authorized/i);
  });

  it("a device publishes under its own topic and reads nothing, not even that topic", async () => {
    const device = await connect("RF-017", USERS["RF-017"]);
    const toDevice: string[] = [];
    device.on("message", (_t, payload) => toDevice.push(payload.toString()));
    await device.subscribeAsync("wms/#", { qos: 1 }); // granted or not, nothing may be delivered
    await device.publishAsync("wms/DC1/scanner/RF-017/pick", "own", { qos: 1 });
    await arrived("own");
    // Mosquitto writes to one socket in order: a delivery of "own" to the device would reach it before this PUBACK.
    await device.publishAsync("wms/DC1/scanner/RF-017/pack", "own-2", { qos: 1 });
    assert.deepEqual(toDevice, [], "the device read nothing");
    await arrived("own-2");
    assert.deepEqual(received.map((r) => r.payload), ["own", "own-2"], "the forged publish never reached the intake");
    assert.equal(received[0]!.topic, "wms/DC1/scanner/RF-017/pick");
  });

  it("anonymous clients and wrong passwords are refused", async () => {
    await assert.rejects(mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 }), /Not authorized|Bad User Name or Password|135|134/i);
    await assert.rejects(mqtt.connectAsync(broker.url, { username: "RF-017", password: "guess", protocolVersion: 5, reconnectPeriod: 0 }), /Not authorized|Bad User Name or Password|135|134/i);
  });
});
