import { catalog, productSchema, updateProductRequest } from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { z } from "zod";

const productRef = catalog.getProduct.request;
const tags = ["products"];

/** The product catalog, each route one catalog endpoint (the code comes from the path). */
export const productRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/products",
    {
      config: { access: "product.read" },
      schema: {
        tags,
        summary: catalog.listProducts.summary,
        response: { 200: z.object({ items: z.array(productSchema) }) },
      },
    },
    (request) => call(request, catalog.listProducts, {}),
  );

  app.post(
    "/products",
    {
      config: { access: "product.write" },
      schema: {
        tags,
        summary: catalog.createProduct.summary,
        body: catalog.createProduct.request,
        response: { 201: productSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await call(request, catalog.createProduct, request.body)),
  );

  app.get(
    "/products/:code",
    {
      config: { access: "product.read" },
      schema: {
        tags,
        summary: catalog.getProduct.summary,
        params: productRef,
        response: { 200: productSchema },
      },
    },
    (request) => call(request, catalog.getProduct, request.params),
  );

  app.patch(
    "/products/:code",
    {
      config: { access: "product.write" },
      schema: {
        tags,
        summary: catalog.updateProduct.summary,
        params: productRef,
        body: updateProductRequest.omit({ code: true }),
        response: { 200: productSchema },
      },
    },
    (request) => call(request, catalog.updateProduct, { ...request.body, code: request.params.code }),
  );

  app.delete(
    "/products/:code",
    {
      config: { access: "product.write" },
      schema: {
        tags,
        summary: catalog.deleteProduct.summary,
        params: productRef,
        response: { 200: catalog.deleteProduct.response },
      },
    },
    (request) => call(request, catalog.deleteProduct, request.params),
  );
};
