// What feature packages (such as @licensing/crm-ui) build their pages with, so every page talks to
// the gateway, reports errors, checks permissions and validates forms the same way.

export { AuditChanges } from "./AuditChanges.tsx";
export { ApiError, api, apiRequest, getCsrfToken, isApiError } from "./api.ts";
export { ConfirmButton } from "./ConfirmButton.tsx";
export { CopyKey } from "./CopyKey.tsx";
export { CursorPager, type CursorPages, useCursorPages } from "./CursorPager.tsx";
export { applyServerErrors, emptyToNull, formError, issuesToErrors } from "./form.ts";
export { formatDate, formatDateTime } from "./format.ts";
export { type Issue, missing, userMessage } from "./messages.ts";
export { errorMessage, notifyError, notifySuccess } from "./notify.tsx";
export { PageHeader } from "./PageHeader.tsx";
export { PlaceholderPage } from "./PlaceholderPage.tsx";
export { isMissing, QueryError } from "./QueryError.tsx";
export { DialogActions, ReasonField } from "./ReasonDialog.tsx";
export { reveal, revealFirstError } from "./reveal.ts";
export { guardedPage, NoAccess, RequireAction } from "./routes.tsx";
export { useSearchParamsUpdate } from "./search-params.ts";
export { Can, SessionProvider, useCan, useSession } from "./session.tsx";
export { TextFileField } from "./TextFileField.tsx";
export type * from "./types.ts";
export { zodValidate } from "./zod-form.ts";
