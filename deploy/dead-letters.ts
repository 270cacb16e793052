// The dead letters of a deployment: events a consumer gave up on, each with why (docs/development.md,
// "Dead letters"). NATS_URL and SUBJECT_PREFIX say which deployment, as for `npm run bus`.
//
//   npm run dead-letters                                  lists them, oldest first
//   npm run dead-letters -- list --consumer distribution  one consumer's
//   npm run dead-letters -- replay 12                     publishes #12 again, then removes it
//   npm run dead-letters -- replay --all [--consumer X]   every one (one consumer's)
//   npm run dead-letters -- discard 12                    removes #12 unreplayed

import { parseArgs } from "node:util";
import { AppError } from "@licensing/contracts";
import { connectTool, type DeadLetter, DeadLetters } from "@licensing/platform";

const usage = `Usage: npm run dead-letters -- [list] [--consumer <name>]
       npm run dead-letters -- replay <seq> | replay --all [--consumer <name>]
       npm run dead-letters -- discard <seq>`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { consumer: { type: "string" }, all: { type: "boolean", default: false } },
});
const [command = "list", seqText] = positionals;
const seq = seqText === undefined ? undefined : Number(seqText);
const filter = values.consumer ? { consumer: values.consumer } : {};

function show(letter: DeadLetter): string {
  const event = `${letter.subject.replace(/^[^.]+\.evt\./, "")} ${letter.version}`;
  return [
    `#${letter.seq}  ${letter.at}  ${letter.consumer}  ${letter.reason}  ${event}  ${letter.eventId}`,
    `    ${letter.detail}`,
    `    ${letter.deliveries} deliveries, ${letter.size} bytes${letter.requestId ? `, request ${letter.requestId}` : ""}`,
  ].join("\n");
}

if (
  !["list", "replay", "discard"].includes(command) ||
  (command !== "list" && !values.all && !Number.isSafeInteger(seq)) ||
  (command === "discard" && values.all)
) {
  console.error(usage);
  process.exit(2);
}

// As an operators' tool: NATS_NKEY_SEED (admin) where NATS authenticates; npm start's own NATS and
// admin identity while it runs (connectTool).
const { nc, prefix } = await connectTool("dead-letters-cli");
try {
  const deadLetters = new DeadLetters(nc, prefix);
  if (command === "list") {
    const letters = await deadLetters.list(filter);
    console.log(letters.length === 0 ? "No dead letters." : letters.map(show).join("\n"));
  } else if (command === "discard") {
    await deadLetters.discard(seq!);
    console.log(`Discarded dead letter #${seq}.`);
  } else {
    const results = values.all ? await deadLetters.replayAll(filter) : [await deadLetters.replay(seq!)];
    for (const result of results)
      console.log(
        result.error
          ? `#${result.seq} (${result.eventId}) not replayed: ${result.error}`
          : `#${result.seq} replayed as event ${result.eventId}`,
      );
    if (results.length === 0) console.log("No dead letters.");
    if (results.some((result) => result.error)) process.exitCode = 1;
  }
} catch (error) {
  if (error instanceof AppError) {
    console.error(error.message);
    process.exitCode = 1;
  } else throw error;
} finally {
  await nc.close();
}
