import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";

let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

const openapiPath = (url: string) => url.replace(/:(\w+)/g, "{$1}");

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 at /api/openapi.json, without a session", async () => {
    const response = await new Browser(gw.app).get("/api/openapi.json");
    expect(response.statusCode).toBe(200);
    expect(response.json().openapi).toBe("3.1.0");
  });

  it("lists every route the gateway serves, with the access it requires", async () => {
    const doc = (await new Browser(gw.app).get("/api/openapi.json")).json();
    const routes = gw.service.routes().filter((r) => !r.hidden && r.method !== "HEAD");
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const operation = doc.paths[openapiPath(route.url)]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url}`).toBeDefined();
      expect(operation.summary, `${route.method} ${route.url}`).toEqual(expect.any(String));
      expect(operation.description).toMatch(/Public\.|Any signed-in user\.|Requires the `[a-z.-]+` action\./);
    }
    expect(doc.paths["/api/accounts/{id}"].patch.description).toContain("`account.write`");
  });

  it("describes bodies, parameters, answers and the error shape from the same schemas", async () => {
    const doc = (await new Browser(gw.app).get("/api/openapi.json")).json();
    const create = doc.paths["/api/accounts"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["type", "name"]);
    expect(body.properties.type.enum).toEqual(["customer", "prospect"]);
    expect(create.responses["201"]).toBeDefined();
    const error = create.responses["4XX"].content["application/json"].schema;
    expect(error.required).toEqual(expect.arrayContaining(["code", "message", "requestId"]));
    const list = doc.paths["/api/accounts"].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(list).toEqual(
      expect.arrayContaining([
        "query:query",
        "query:type",
        "query:includeArchived",
        "query:cursor",
        "query:limit",
      ]),
    );
    expect(create.security).toEqual([{ session: [], csrf: [] }]);
  });

  it("is browsable at /api/docs", async () => {
    const page = await new Browser(gw.app).get("/api/docs/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
  });
});
