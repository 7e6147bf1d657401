/**
 * `npm run month [-- --seed N --orders N --days N]`: starts the product the way `npm start` does
 * (on free ports and a temporary data folder), plays a generated month into it, prints the figures
 * against the ground truth and exits 1 on any mismatch (2 when the run itself failed).
 */
import { parseArgs } from "node:util";
import { REPO, startProduct, TEST_WMS_LOGIN } from "../test/helpers/product";
import { compareMonth, formatReport } from "../simulators/month/compare";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { driveMonth, monthEndpoints, monthProductEnv } from "../simulators/month/drive";
import { generateMonth } from "../simulators/month/generate";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "20261101" },
      orders: { type: "string", default: "5000" },
      days: { type: "string", default: "30" },
      quiet: { type: "boolean", default: false },
    },
  });
  const month = generateMonth({ seed: Number(values.seed), orders: Number(values.orders), days: Number(values.days) });
  console.log(`generated: ${month.orders.length} orders, ${month.shipments.length} shipments, ${month.exceptions.length} exceptions, ${month.invoices.length} carrier invoices`);
  const secret = randomBytes(18).toString("base64url");
  // Freight (accruals, carrier invoices) is driven when the product has its reconciliation tab.
  const freight = existsSync(join(REPO, "flows", "freight-reconciliation.json"));
  // Billing (deliveries, goods issue, POD) when it has the billing tabs.
  const billing = existsSync(join(REPO, "flows", "billing-rules.json"));
  const product = await startProduct(monthProductEnv(secret));
  try {
    const run = await driveMonth(month, monthEndpoints(product, TEST_WMS_LOGIN, freight ? { secret } : null, billing), {
      onProgress: values.quiet ? undefined : (line) => console.log(line),
    });
    const figures = compareMonth(month, run);
    console.log(formatReport(figures));
    return figures.mismatches === 0 ? 0 : 1;
  } finally {
    const code = await product.stop("SIGINT");
    if (code !== 0) console.error(`the product did not stop cleanly (exit ${code}):\n${product.output().slice(-2000)}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`month run failed: ${err.stack ?? err.message}`);
    process.exit(2);
  },
);
