// The permissions table, read as the issue states its rules: least privilege per bus identity.
import { describe, expect, it } from "vitest";
import {
  allEndpoints,
  type BusIdentity,
  busIdentities,
  catalog,
  eventPublishers,
  issuer,
  notifier,
  platformBusPermissions,
  streamNames,
} from "../src/index.ts";

const prefix = "lic";
const table = platformBusPermissions(prefix);
const mayPublish = (identity: BusIdentity, subject: string) => table[identity].publish.includes(subject);
const others = (...except: BusIdentity[]) => busIdentities.filter((i) => !except.includes(i));

describe("the bus permissions table", () => {
  it("lets only the gateway call the operator endpoints of the issuer, catalog and notifier", () => {
    const operatorEndpoints = [
      ...Object.values(issuer),
      ...Object.values(catalog),
      ...Object.values(notifier),
    ].filter((e) => !e.callers);
    expect(operatorEndpoints.length).toBeGreaterThan(30);
    for (const endpoint of operatorEndpoints) {
      expect(mayPublish("gateway", `lic.${endpoint.subject}`)).toBe(true);
      for (const identity of others("gateway"))
        expect(mayPublish(identity, `lic.${endpoint.subject}`)).toBe(false);
    }
  });

  it("lets only distribution ask the issuer to sign its documents", () => {
    const subject = `lic.${issuer.signDocument.subject}`;
    expect(busIdentities.filter((i) => mayPublish(i, subject))).toEqual(["distribution"]);
    expect(busIdentities.filter((i) => mayPublish(i, `lic.${issuer.createLicense.subject}`))).toEqual([
      "gateway",
    ]);
  });

  it("lets only the owning service publish its events", () => {
    for (const { publisher, event } of eventPublishers) {
      expect(busIdentities.filter((i) => mayPublish(i, `lic.evt.${event.name}`))).toEqual([publisher]);
    }
    // No identity publishes events by wildcard.
    for (const identity of busIdentities)
      expect(table[identity].publish.some((s) => s.startsWith("lic.evt.") && /[*>]/.test(s))).toBe(false);
  });

  it("keeps the license-files stream for the license server to read, distribution to write", () => {
    const stream = streamNames(prefix).licenseFiles;
    const readers = busIdentities.filter((i) =>
      table[i].publish.some((s) => s.startsWith(`$JS.API.CONSUMER.CREATE.${stream}`)),
    );
    expect(readers).toEqual(["license-server"]);
    expect(busIdentities.filter((i) => mayPublish(i, "lic.license-files.>"))).toEqual(["distribution"]);
  });

  it("grants no blanket JetStream API, and answers only on each identity's own inbox", () => {
    for (const identity of busIdentities) {
      const { publish, subscribe } = table[identity];
      expect(publish.filter((s) => /^\$JS\.API\.(>|\*\.>|[A-Z]+\.>)$/.test(s) || s === ">")).toEqual([]);
      expect(subscribe.filter((s) => s.startsWith("_INBOX"))).toEqual([`_INBOX_${identity}.>`]);
    }
  });

  it("serves each endpoint to its own service alone", () => {
    for (const endpoint of allEndpoints) {
      const subscribers = busIdentities.filter((i) => table[i].subscribe.includes(`lic.${endpoint.subject}`));
      expect(subscribers).toEqual([endpoint.service]);
    }
  });
});
