/**
 * Fallback broker for bench/run.ts when Mosquitto is not installed: the embedded aedes broker
 * (MQTT 3.1.1) in a process of its own, so its CPU is not charged to the bench process.
 * argv: <port>; prints "listening" when ready.
 */
import { createServer } from "node:net";

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(port, "127.0.0.1", () => console.log("listening"));
  const stop = () => broker.close(() => server.close(() => process.exit(0)));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
void main();
