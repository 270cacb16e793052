import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { crmModeFromEnv, crmModule } from "./build/crm-module.ts";

// The gateway `npm start` runs; `npm run dev -w ui` proxies the API to it.
const gateway = process.env.UI_GATEWAY_URL || "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), crmModule({ mode: crmModeFromEnv(process.env.UI_CRM) })],
  server: {
    proxy: {
      "/api": gateway,
      "/healthz": gateway,
      "/readyz": gateway,
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The budget is 300 KB gzip of initial JS; a chunk above this size deserves a look.
    chunkSizeWarningLimit: 600,
  },
});
