/**
 * A second OS process for the Postgres datastore tests: opens the datastore at the URL given
 * and writes `count` keys under `prefix`, one after another, then prints "done".
 * Usage: node test/datastore/postgres-child.ts <url> <prefix> <count>
 */
import { openPostgresDatastore } from "../../datastore/postgres/open.ts";

const [url, prefix, count] = process.argv.slice(2);
const ds = await openPostgresDatastore({ url: url!, connectRetry: false, compaction: { enabled: false } });
for (let i = 0; i < Number(count); i++) {
  await ds.create(`${prefix}${String(i).padStart(5, "0")}`, { i, pid: process.pid });
}
await ds.close();
console.log("done");
