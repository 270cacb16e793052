import { decodeUtf8Strictly } from "@licensing/contracts";
import type { FastifyInstance } from "fastify";

/**
 * Request bodies are JSON in UTF-8, read strictly: bytes that are not UTF-8 are `validation_failed`
 * (Fastify's own parser would decode them to U+FFFD and store that without a word). Prototype
 * poisoning (`__proto__`, `constructor.prototype`) is refused as Fastify does by default. Any other
 * media type is 415, answered as `validation_failed`.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8Strictly(body as Buffer);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
