/**
 * One "instance" for the cross-instance PostgreSQL test, run as its own process:
 *   node --import tsx test/helpers/pg-race-worker.ts <url> <schema> <instance> dedupe <keys>
 *   node --import tsx test/helpers/pg-race-worker.ts <url> <schema> <instance> outbox <target> <limit>
 * Prints "ready" once its store is set up, starts when it reads "go" on stdin, and prints one
 * JSON line with what it got (dedupe: the keys it claimed first; outbox: its batches). Not a test file.
 */
import { createInterface } from "node:readline";
import { PostgresStore } from "../../nodes/lib/store";

const [url, schema, instanceName, mode, ...rest] = process.argv.slice(2);

async function main(): Promise<void> {
  const store = new PostgresStore({ url: url!, schema: schema!, instanceName: instanceName!, poolSize: 4 });
  await store.ready();
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      if (line.trim() === "go") {
        lines.close();
        resolve();
      }
    });
  });
  try {
    if (mode === "dedupe") {
      const keys = Number(rest[0]);
      const claims = await Promise.all(
        Array.from({ length: keys }, (_, i) => store.claimDedupe("race", `K${i}`, 60_000, `${instanceName}:${i}`)),
      );
      const first = claims.flatMap((c, i) => (c.first ? [`K${i}`] : []));
      process.stdout.write(`${JSON.stringify({ first, firstSeenAt: claims.map((c) => c.firstSeenAt) })}\n`);
    } else if (mode === "outbox") {
      const [target, limit] = [rest[0]!, Number(rest[1])];
      const batches: Array<{ key: string; ids: number[] }> = [];
      for (let idle = 0; idle < 200; ) {
        const batch = await store.claimOutboxBatch(target, limit);
        if (!batch) {
          if ((await store.counts()).outboxPending === 0) break;
          idle++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        batches.push({ key: batch.batchKey, ids: batch.rows.map((r) => r.id) });
        await store.markOutboxSent(batch.rows.map((r) => r.id));
      }
      process.stdout.write(`${JSON.stringify({ batches })}\n`);
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
  } finally {
    await store.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
