// `npm run bus -- <subject> '<json>'`: sends one request on the bus, as a service would, and prints
// the answer. The subject is the endpoint's (e.g. catalog.account.create); the request is validated
// against its contract first.

import { BusClient } from "@licensing/bus";
import { AppError, allEndpoints, newId } from "@licensing/contracts";
import { connectTool } from "@licensing/platform";

const [subject, body = "{}"] = process.argv.slice(2);
const endpoint = allEndpoints.find((e) => e.subject === subject);
if (!endpoint) {
  console.error(
    `Usage: npm run bus -- <subject> '<json>'\nSubjects:\n${allEndpoints.map((e) => `  ${e.subject.padEnd(32)} ${e.summary}`).join("\n")}`,
  );
  process.exit(2);
}
const { nc, prefix } = await connectTool("bus-cli");
try {
  const bus = new BusClient(nc, { prefix });
  const answer = await bus.request(endpoint, JSON.parse(body), { ctx: { requestId: newId("request") } });
  console.log(JSON.stringify(answer, null, 2));
} catch (error) {
  if (error instanceof AppError) {
    console.error(JSON.stringify(error.toBody(), null, 2));
    process.exitCode = 1;
  } else throw error;
} finally {
  await nc.close();
}
