import { resolve } from "node:path";
import { baseConfig } from "@licensing/platform";
import { z } from "zod";

/** The development mail catcher's settings (npm start runs it; no deployment does). */
export const mailCatcherConfig = baseConfig.extend({
  MAIL_CATCHER_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(2525)
    .meta({ description: "the development mail catcher's SMTP port (npm start only)" }),
  MAIL_CATCHER_DIR: z
    .string()
    .default(resolve(import.meta.dirname, "../../../.data/mail"))
    .meta({ description: "where the mail catcher saves `.eml` files", shownDefault: "`.data/mail`" }),
});
