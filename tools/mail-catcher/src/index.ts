export { type MailCatcher, type MailCatcherOptions, startMailCatcher } from "./catcher.ts";
export { createMailCatcherService } from "./service.ts";
